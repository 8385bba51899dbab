/** The account's balances, from the provider's `/query/account`. */
export interface ChonrySmsBalance {
  /** The `国际短信` (international SMS) balance as a number; absent when the provider did not list it. */
  internationalSms?: number;
  /** Every balance the provider listed, under its own (Chinese) product name, value as sent. */
  balances: Record<string, number | string>;
}

/** A template's review state (the provider's `applyStatus` 1, 2, 3). */
export type ChonrySmsReviewStatus = 'pending' | 'approved' | 'rejected';

/** A template's kind (the provider's `categoryId` 1, 2, 3). */
export type ChonrySmsTemplateCategory = 'verification-code' | 'notice' | 'marketing';

/** One template, from the provider's `/query/templatelist`. */
export interface ChonrySmsTemplate {
  /** Kept as text: the provider's ids may exceed 2^53. */
  templateId: string;
  /** The template text, with `{1}`, `{2}`, … where the variables go. */
  text: string;
  status: ChonrySmsReviewStatus;
  category?: ChonrySmsTemplateCategory;
  /** The reviewer's remark (`applyReply`), when there is one. */
  reply?: string;
}

/** One signature, from the provider's `/query/signlist`. */
export interface ChonrySmsSign {
  signId: string;
  /** The signature text, e.g. `【xx】`. */
  sign: string;
  status: ChonrySmsReviewStatus;
  reply?: string;
}

/** One delivery report, from the provider's `/report/status`. */
export interface ChonrySmsDeliveryReport {
  /** The provider's id of this one message to this one recipient. */
  smUuid: string;
  mobile: string;
  /** The `batchId` of the send that accepted it, when the provider gave one. */
  batchId?: string;
  /** `delivered` when the provider's result is `DELIVRD`, otherwise `failed`. */
  status: 'delivered' | 'failed';
  /** The provider's result as sent (`DELIVRD`, `UNDELIV`, `REJECT`, …). */
  result: string;
  /** `deliverTime`, read as a wall-clock time in the module's `timeZone`. */
  deliveredAt: Date;
}
