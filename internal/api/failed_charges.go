package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/platform/page"
)

// ChargeIDPath is the path parameter of one charge.
type ChargeIDPath struct {
	ID string `path:"id" maxLength:"64" doc:"Charge id (chg_...), as list-failed-charges names it."`
}

// registerFailedCharges registers the staff's view of charges whose
// document a billing run could not build, and their retry: the same
// services as the admin panel's, which allow staff managing customers
// (administrators) only. billing.Service.FailedCharges is a bounded list
// (the oldest 500), not a paged one, so the list takes no limit/cursor
// and never has a next_cursor.
func registerFailedCharges(a *API, h billingHandlers) {
	tags := []string{"Invoices"}
	Register(a, huma.Operation{
		OperationID: "list-failed-charges", Method: http.MethodGet, Path: "/failed-charges", Tags: tags,
		Summary: "List charges a billing run could not invoice",
		Description: "A document the billing run cannot build (an amount beyond what the platform can hold, usage its prices " +
			"cannot rate) fails alone: its charges are marked failed with the reason, the run bills every other payer, and later " +
			"runs leave them alone until they are retried. Lists them, oldest bill time first, at most 500 (not paged: there is " +
			"no next_cursor; retry or fix the oldest to see more). Staff managing customers only (administrators): anyone else " +
			"gets 403 `permission_denied`. Unknown query parameters are refused (422 `validation_failed`).",
	}, h.listFailedCharges)

	Register(a, huma.Operation{
		OperationID: "retry-charge", Method: http.MethodPost, Path: "/charges/{id}/retry", Tags: tags,
		Summary: "Retry a failed charge",
		Description: "Puts a failed charge back to pending once its cause is corrected (a vendor line removed, usage or a price " +
			"fixed): the next billing run invoices it, or marks it failed again. Staff managing customers only (administrators; " +
			"403 `permission_denied` otherwise); audited. Errors: 404 `charge_not_found`; 422 `charge_not_failed` when the " +
			"charge is not failed (for example, retried twice).",
		DefaultStatus: http.StatusNoContent,
	}, h.retryCharge)
}

type failedChargeList struct {
	Body List[billing.FailedCharge]
}

func (h billingHandlers) listFailedCharges(ctx context.Context, _ *noInput) (*failedChargeList, error) {
	cs, err := h.svc.FailedCharges(ctx)
	if err != nil {
		return nil, err
	}
	return &failedChargeList{List[billing.FailedCharge]{Data: page.NonNil(cs)}}, nil
}

func (h billingHandlers) retryCharge(ctx context.Context, in *ChargeIDPath) (*noContent, error) {
	return nil, h.svc.RetryCharge(ctx, in.ID)
}
