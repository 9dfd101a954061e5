-- A scheduled lifecycle step (a renewal, a period, a trial's end) that
-- fails for one subscription (a renewal price that cannot be computed,
-- say) no longer stops the lifecycle of every other subscription: the
-- failure is recorded on that subscription (step_error, step_failed_at),
-- its next_action_at is cleared so it leaves the due queue, and staff list
-- and retry it (subscription.Service.FailedSteps, RetryStep) once the
-- cause is corrected. Any later save of the subscription retries it too.

-- +goose Up
ALTER TABLE subscriptions ADD COLUMN step_error TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN step_failed_at TIMESTAMP;
CREATE INDEX subscriptions_step_failed ON subscriptions (step_failed_at) WHERE step_failed_at IS NOT NULL;

-- +goose Down
DROP INDEX subscriptions_step_failed;
ALTER TABLE subscriptions DROP COLUMN step_failed_at;
ALTER TABLE subscriptions DROP COLUMN step_error;
