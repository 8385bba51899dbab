/** The provider accepted the request. */
export interface SendSmsResult {
  /** The provider's id for this request. */
  batchId: string;
  /** The provider's message (`SUCCESS`). */
  msg: string;
  /** How many distinct recipients the request carried. */
  recipients: number;
}
