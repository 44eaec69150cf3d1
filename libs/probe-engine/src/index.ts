export {
  DEFAULT_MAX_BODY_BYTES,
  runHttpCheck,
  type HttpCheckOptions,
  type HttpCheckOutcome,
} from './http-check';
export { MAX_REDIRECTS } from './redirects';
export {
  runTcpCheck,
  tcpEndpointOf,
  type TcpCheckOptions,
  type TcpCheckOutcome,
} from './tcp-check';
export { runDnsCheck, type DnsCheckOptions, type DnsCheckOutcome } from './dns-check';
