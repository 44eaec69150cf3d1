/** Where the API answers; health and metrics stay outside it (see `setApiPrefix`). */
export const API_PREFIX = 'api/v1';
