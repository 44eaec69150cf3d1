export { EscapedConsoleLogger, escapeControlCharacters } from './escaped-console-logger';
export {
  runStandalone,
  startErrorText,
  startService,
  type RunningService,
  type ServiceOptions,
} from './start-service';
