// Issue 19: the hourly sweep for jobs, filled in by its owner.
export async function sweep(env: Env, at: number): Promise<void> {
  void env;
  void at;
}
