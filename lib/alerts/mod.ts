/**
 * Alerts: rules on any figure or source state from the sources file,
 * evaluated where the P&L is made (the leader), saved with their
 * notifications in a durable outbox, and delivered to signed webhooks,
 * Slack and email with retries that lose nothing and repeat nothing.
 *
 * @module
 */
export type { AlertStore, OutboxItem, Settlement } from "./alert_store.ts";
export {
  AlertService,
  type AlertServiceEvent,
  type AlertServiceOptions,
  withAlerts,
} from "./alert_service.ts";
export { alertEventLogger } from "./alert_log.ts";
export type { AlertsBoard, FiringAlert, RuleStatus } from "./alert_report.ts";
export { DeliveryError } from "./channels.ts";
export { ruleSources } from "./figure.ts";
export type { AlertNotification, Notice } from "./notification.ts";
export type { DigestNotification } from "./digest.ts";
export type { DigestSpec } from "./digest_spec.ts";
export {
  type Alerting,
  alertingOf,
  alertingSchemas,
  parseAlerting,
} from "./alerting.ts";
export type { AlertRule } from "./rule.ts";
export type { ChannelSpec } from "./channel_spec.ts";
export {
  ALERT_NOTICE,
  type AlertChange,
  alertNotice,
  readAlertNotice,
} from "./alert_notice.ts";
