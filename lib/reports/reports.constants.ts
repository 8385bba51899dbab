/** The raw options given to `ChonrySmsReportsModule.forRoot…()`. */
export const CHONRY_SMS_REPORTS_MODULE_OPTIONS = 'CHONRY_SMS_REPORTS_MODULE_OPTIONS';
/** The checked options (`ResolvedChonrySmsReportsOptions`). */
export const CHONRY_SMS_REPORTS_RESOLVED_OPTIONS = 'CHONRY_SMS_REPORTS_RESOLVED_OPTIONS';
/** The store pending reports wait in (`ChonrySmsReportStore`). */
export const CHONRY_SMS_REPORT_STORE = 'CHONRY_SMS_REPORT_STORE';
export const CHONRY_SMS_REPORTS_LOGGER_CONTEXT = 'ChonrySmsReports';
