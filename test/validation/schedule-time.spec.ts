import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { describe, it } from '@jest/globals';
import { formatScheduleTime, scheduleTimeProblem, toProviderTime } from '../../lib/validation';

describe('schedule time', () => {
  const instant = new Date('2026-03-01T10:05:09Z');

  it('formats a Date as yyyy-MM-dd HH:mm:ss in the given zone', () => {
    assert.equal(formatScheduleTime(instant, 'Asia/Shanghai'), '2026-03-01 18:05:09');
    assert.equal(formatScheduleTime(instant, 'UTC'), '2026-03-01 10:05:09');
    assert.equal(formatScheduleTime(instant, 'America/New_York'), '2026-03-01 05:05:09');
    assert.equal(formatScheduleTime(new Date('2026-12-31T16:00:00Z'), 'Asia/Shanghai'), '2027-01-01 00:00:00');
    assert.equal(formatScheduleTime(new Date('2026-07-01T00:00:00Z'), 'Europe/London'), '2026-07-01 01:00:00');
  });

  it("takes a Date of another realm as a Date (a vm context, or Node's own Dates under Jest)", () => {
    const foreign = runInNewContext('new Date("2026-03-01T10:05:09Z")') as Date;
    assert.equal(foreign instanceof Date, false, 'the Date is of another realm');
    assert.equal(scheduleTimeProblem(foreign), undefined);
    assert.equal(toProviderTime(foreign, 'Asia/Shanghai'), '2026-03-01 18:05:09');
    assert.match(scheduleTimeProblem(runInNewContext('new Date("nope")'))!, /invalid Date/);
  });

  it('passes a correct string through unchanged', () => {
    assert.equal(scheduleTimeProblem('2018-01-01 18:00:00'), undefined);
    assert.equal(toProviderTime('2018-01-01 18:00:00', 'UTC'), '2018-01-01 18:00:00');
    assert.equal(scheduleTimeProblem('2024-02-29 23:59:59'), undefined);
  });

  it('refuses strings that are not exactly yyyy-MM-dd HH:mm:ss or not a real time', () => {
    for (const s of ['2018-1-1 18:00:00', '2018-01-01T18:00:00', '2018-01-01 18:00', '2023-02-29 10:00:00', '2018-04-31 00:00:00', '2018-01-01 24:00:00', '2018-01-01 12:60:00', '2018-13-01 00:00:00', ' 2018-01-01 18:00:00']) {
      assert.ok(scheduleTimeProblem(s), s);
    }
  });

  it('refuses invalid Dates and other types', () => {
    assert.match(scheduleTimeProblem(new Date('nope'))!, /invalid Date/);
    assert.match(scheduleTimeProblem(1700000000000)!, /must be a Date/);
  });
});
