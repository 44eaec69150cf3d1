export { EscapedConsoleLogger, escapeControlCharacters } from './escaped-console-logger';
export {
  consoleLogger,
  runStandalone,
  startErrorText,
  startService,
  type RunningService,
  type ServiceOptions,
} from './start-service';
