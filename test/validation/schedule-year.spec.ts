import { describe, it } from '@jest/globals';
import assert from 'node:assert/strict';
import { ChonrySmsValidationError } from '../../lib';
import { formatScheduleTime, scheduleTimeProblem } from '../../lib/validation';
import { rejectionOf, startSandbox } from '../helpers';
import { ONE_SMS, smsApp } from '../reliability/support';

// The extreme offsets of the zones the runtime knows (historic local mean times included).
const ZONES = ['America/New_York', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Shanghai', 'Etc/GMT+12', 'Etc/GMT-14', 'America/Metlakatla', 'Asia/Manila'];
const FOUR_DIGIT_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

describe('scheduled times near the ends of the four-digit years', () => {
  it('every Date the check accepts is written with a four-digit year in every zone', () => {
    const instants = [
      Date.UTC(1000, 0, 1, 0, 0, 0),
      Date.UTC(1000, 0, 1, 23, 59, 59),
      Date.UTC(1000, 0, 2, 0, 0, 0),
      Date.UTC(1000, 0, 2, 12, 0, 0),
      Date.UTC(9998, 11, 31, 23, 59, 59),
      Date.UTC(9999, 0, 1, 0, 0, 0),
      Date.UTC(9999, 11, 30, 0, 0, 0),
      Date.UTC(9999, 11, 31, 23, 59, 59),
      Date.UTC(999, 11, 31, 12, 0, 0),
    ].map((t) => new Date(t));
    for (const date of instants) {
      if (scheduleTimeProblem(date) !== undefined) continue;
      for (const zone of ZONES) assert.match(formatScheduleTime(date, zone), FOUR_DIGIT_TIME, `${date.toISOString()} in ${zone}`);
    }
  });

  it('refuses the first instant of year 1000 UTC, which is 999-12-31 in New York, and sends nothing', async () => {
    const date = new Date(Date.UTC(1000, 0, 1, 0, 0, 0));
    assert.match(scheduleTimeProblem(date) ?? '', /out of range/);
    const sandbox = await startSandbox();
    const { app, sms } = await smsApp(sandbox.url, { timeZone: 'America/New_York' });
    try {
      const err = await rejectionOf(sms.send({ ...ONE_SMS, scheduleSendTime: date }));
      assert.ok(err instanceof ChonrySmsValidationError, String(err));
      assert.match(err.message, /scheduleSendTime/);
      assert.equal(sandbox.requests.length, 0);
    } finally {
      await app.close();
      await sandbox.close();
    }
  });
});
