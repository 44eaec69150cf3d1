export {
  DEFAULT_MAX_BODY_BYTES,
  runHttpCheck,
  type HttpCheckOptions,
  type HttpCheckOutcome,
} from './http-check';
export { MAX_REDIRECTS } from './redirects';
