// Vite's `?raw` imports, used by the test that checks PROTOCOL.md's examples.
declare module "*.md?raw" {
  const text: string;
  export default text;
}
