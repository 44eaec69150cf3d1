export * from './checks';
export * from './auth';
export * from './monitor';
export * from './monitor-events';
export * from './monitor-requests';
export * from './problem';
export * from './subjects';
export * from './metrics-queries';
