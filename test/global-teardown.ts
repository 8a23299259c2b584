export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as { __usherStack?: { stop(): Promise<void> } }).__usherStack;
  await stack?.stop();
}
