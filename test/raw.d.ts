// Vite's `?raw` imports, used by the test that checks PROTOCOL.md's examples.
declare module "*.md?raw" {
  const text: string;
  export default text;
}
// The shared real-world statement fixtures, read as text by the worker's import tests.
declare module "*.csv?raw" {
  const text: string;
  export default text;
}
