package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/platform/page"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

// registerFailedSteps registers the staff's view of subscriptions whose
// scheduled lifecycle step failed alone, and their retry: the same
// services as the admin panel's, which allow staff managing customers
// (administrators) only. subscription.Service.FailedSteps is a bounded
// list (the oldest 500), not a paged one, so the list takes no
// limit/cursor and never has a next_cursor.
func registerFailedSteps(a *API, h subscriptionHandlers) {
	tags := []string{"Subscriptions"}
	Register(a, huma.Operation{
		OperationID: "list-failed-lifecycle-steps", Method: http.MethodGet, Path: "/failed-lifecycle-steps", Tags: tags,
		Summary: "List subscriptions whose lifecycle step failed",
		Description: "A scheduled step (a renewal, a period, a trial's end) that fails for one subscription, such as a renewal whose " +
			"price cannot be computed, fails alone: the other subscriptions go on, and this one leaves the due queue until it is " +
			"retried. Lists them with why, oldest failure first, at most 500 (not paged: there is no next_cursor; retry or fix the " +
			"oldest to see more). Staff managing customers only (administrators): anyone else gets 403 `permission_denied`. " +
			"Unknown query parameters are refused (422 `validation_failed`).",
	}, h.listFailedSteps)

	Register(a, huma.Operation{
		OperationID: "retry-lifecycle-step", Method: http.MethodPost, Path: "/subscriptions/{id}/retry-step", Tags: tags,
		Summary: "Retry a failed lifecycle step",
		Description: "Puts a subscription whose scheduled step failed back in the due queue once the cause is corrected (a markup " +
			"lowered, a price fixed): the next lifecycle run performs the step, or records its failure again. The failure is " +
			"cleared from list-failed-lifecycle-steps; the audit log keeps its reason. Staff managing customers only " +
			"(administrators; 403 `permission_denied` otherwise); audited. Errors: 404 `subscription_not_found`; 422 " +
			"`step_not_failed` when the subscription has no failed step (for example, retried twice).",
		DefaultStatus: http.StatusNoContent,
	}, h.retryStep)
}

type failedStepList struct {
	Body List[subscription.FailedStep]
}

func (h subscriptionHandlers) listFailedSteps(ctx context.Context, _ *noInput) (*failedStepList, error) {
	steps, err := h.svc.FailedSteps(ctx)
	if err != nil {
		return nil, err
	}
	return &failedStepList{List[subscription.FailedStep]{Data: page.NonNil(steps)}}, nil
}

func (h subscriptionHandlers) retryStep(ctx context.Context, in *SubscriptionIDPath) (*noContent, error) {
	return nil, h.svc.RetryStep(ctx, in.ID)
}
