export {
  runStandalone,
  startService,
  type RunningService,
  type ServiceOptions,
} from './start-service';
