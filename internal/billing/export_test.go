package billing

import (
	"context"

	"github.com/nephele-cloud/nephele/internal/billing/invoicepdf"
	"github.com/nephele-cloud/nephele/internal/identity"
)

// SetBatchHook makes each batch of a run call h at the end of its
// transaction; an error rolls the batch back as if the process died there.
func (s *Service) SetBatchHook(h func(batch int) error) { s.batchHook = h }

// SetBetweenBatches makes a pipelined run call h after each batch commits.
func (s *Service) SetBetweenBatches(h func(batch int)) { s.betweenBatches = h }

// ReadAhead tells how many batches were written with documents built ahead.
func (s *Service) ReadAhead() int64 { return s.readAhead.Load() }

// PDFDocument is what the PDF of invoice id prints, as the system sees it.
func (s *Service) PDFDocument(ctx context.Context, id string) (invoicepdf.Document, error) {
	inv, err := s.GetInvoice(identity.AsSystem(ctx), id)
	if err != nil {
		return invoicepdf.Document{}, err
	}
	return s.pdfDocument(identity.AsSystem(ctx), inv)
}

// MarkFailed marks charges failed by runID for err, as a run does with a
// document it cannot build.
func (s *Service) MarkFailed(ctx context.Context, runID string, charges []string, err error) error {
	return s.markFailed(ctx, runID, []failedDoc{{charges: charges, err: err}})
}
