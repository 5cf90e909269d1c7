export type { Attachment, Owner } from './attachment.ts';
export { UnavailableError } from './unavailable.ts';
