import type { Config } from '../infra/config.js';

/** When a change applies: what the request asks, else the configured timing of upgrades or of downgrades. */
export function changeTiming(config: Pick<Config, 'PLAN_UPGRADE_APPLIES' | 'PLAN_DOWNGRADE_APPLIES'>, downgrade: boolean, asked: 'now' | 'period_end' | undefined): 'now' | 'period_end' {
  return asked ?? (downgrade ? config.PLAN_DOWNGRADE_APPLIES : config.PLAN_UPGRADE_APPLIES);
}
