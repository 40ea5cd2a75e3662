/**
 * Read an operation over REST where only HTTPS gets out, through a corporate proxy.
 *
 *   HTTPS_PROXY=http://proxy.internal:3128 node rest-behind-a-proxy.js projects/p/operations/1
 *
 * The proxy comes from `https_proxy`/`HTTPS_PROXY` (`no_proxy` excludes hosts), or from the
 * `proxy` option as here; TLS runs end to end through the tunnel. A loopback target never uses
 * a proxy: against the emulator (LONGRUN_EMULATOR_HOST=http://127.0.0.1:8080) it is ignored.
 */
import { OperationsClient, createRestTransport, operationResult } from 'longrun';

const name = process.argv[2] ?? 'projects/demo/operations/op-1';
const proxy = process.env['HTTPS_PROXY'];
const client = new OperationsClient({
  transport: createRestTransport(proxy === undefined ? {} : { proxy }),
});

try {
  const operation = await client.getOperation(name);
  const result = operationResult(operation);
  console.log(`${name}: ${result.state}`);
} finally {
  await client.close();
}
