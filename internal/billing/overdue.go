package billing

import (
	"context"
	"slices"

	"github.com/nephele-cloud/nephele/internal/platform/db"
)

// markOverdue marks the issued invoices past their due date overdue, once,
// announcing each (dunning acts on it), but for those of run runID.
func (s *Service) markOverdue(ctx context.Context, runID string) (int, error) {
	n := 0
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		n, err = s.markOverdueIn(ctx, runID)
		return err
	})
	return n, err
}

// markOverdueIn is markOverdue in the transaction of ctx.
func (s *Service) markOverdueIn(ctx context.Context, runID string) (int, error) {
	n := 0
	err := func() error {
		now := s.db.Now(ctx)
		type row struct{ id, recipient, number string }
		rows, err := db.Select(ctx, s.db, func(sc db.Scanner) (row, error) {
			var r row
			var number *string
			err := sc.Scan(&r.id, &r.recipient, &number)
			if number != nil {
				r.number = *number
			}
			return r, err
		}, `UPDATE invoices SET overdue_at = $1, updated_at = $1 WHERE status = 'issued' AND overdue_at IS NULL AND due_at <= $1
			AND run_id <> $2 RETURNING id, recipient_org_id, number`, now, runID)
		if err != nil {
			return err
		}
		n = len(rows)
		// One event per hundred invoices: dunning fans them out.
		for chunk := range slices.Chunk(rows, 100) {
			var list []map[string]string
			for _, r := range chunk {
				list = append(list, map[string]string{"invoice_id": r.id, "number": r.number, "recipient_org_id": r.recipient})
			}
			if err := s.outbox.PublishData(ctx, "billing.invoices_overdue", "invoice", chunk[0].id, "", map[string]any{"invoices": list}); err != nil {
				return err
			}
		}
		return nil
	}()
	return n, err
}
