export { ERRORS, type ErrorCode, isErrorCode } from './catalog.ts';
export { TkmsError, type TkmsErrorOptions } from './tkms-error.ts';
