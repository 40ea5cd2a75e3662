/**
 * Cancel one operation and confirm what happened to it.
 *
 *   node cancel-and-confirm.js projects/my-project/operations/123
 *
 * Production: TLS to optimization.googleapis.com as Application Default Credentials. Against
 * the emulator: LONGRUN_EMULATOR_HOST=127.0.0.1:50051 (plaintext, no credentials).
 */
import { Code, OperationsClient, OperationsError, createGrpcTransport } from 'longrun';

const name = process.argv[2] ?? 'projects/demo/operations/op-1';
const client = new OperationsClient({ transport: createGrpcTransport() });

try {
  // The cancel and every read after it share the 30 s: the promise settles by then.
  const result = await client.cancelAndConfirm(name, { timeoutMs: 30_000 });
  switch (result.outcome) {
    case 'cancelled':
      console.log(`${name}: cancelled`);
      break;
    case 'completed':
      console.log(`${name}: it finished before the cancel took effect`);
      break;
    case 'failed':
      console.log(`${name}: it failed on its own: ${result.error.message}`);
      break;
    case 'unsupported':
      console.log(`${name}: this server does not cancel operations`);
      break;
    case 'running':
      console.log(`${name}: still running after 30 s; the cancel may still take effect`);
      break;
  }
} catch (error) {
  if (error instanceof OperationsError && error.code === Code.NOT_FOUND) {
    console.log(`${name}: no such operation`);
    process.exitCode = 1;
  } else {
    throw error;
  }
} finally {
  await client.close();
}
