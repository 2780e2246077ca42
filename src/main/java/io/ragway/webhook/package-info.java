/**
 * Webhooks: ragway's events ({@code drift}, {@code rollback}) posted as signed JSON to the
 * receivers of {@code webhooks:} in {@code ragway.yaml}.
 *
 * <p>{@link io.ragway.webhook.Webhooks#send} only queues; each attempt runs on a virtual thread and
 * failed attempts that may succeed later are retried on a timer with capped exponential backoff and
 * jitter. {@link io.ragway.webhook.WebhookSignature} signs the timestamp and the body with
 * HMAC-SHA256 and verifies them, as a receiver would. The rollouts raise the events
 * ({@code io.ragway.rollout.Rollouts.Events}); docs/rollout.md ("Webhooks") is the user's guide.
 */
package io.ragway.webhook;
