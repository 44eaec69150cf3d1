export {
  DEFAULT_MAX_BODY_BYTES,
  MAX_REDIRECTS,
  runHttpCheck,
  type HttpCheckOptions,
  type HttpCheckOutcome,
} from './http-check';
