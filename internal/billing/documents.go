package billing

import (
	"context"

	"github.com/nephele-cloud/nephele/internal/billing/invoicepdf"
)

// InvoicePDF renders a document (to whoever may see it) and names its file.
func (s *Service) InvoicePDF(ctx context.Context, id string) ([]byte, string, error) {
	inv, err := s.GetInvoice(ctx, id)
	if err != nil {
		return nil, "", err
	}
	doc, err := s.pdfDocument(ctx, inv)
	if err != nil {
		return nil, "", err
	}
	pdf, err := invoicepdf.Render(doc)
	if err != nil {
		return nil, "", err
	}
	name := inv.Number
	if name == "" {
		name = inv.ID
	}
	return pdf, name + ".pdf", nil
}

// pdfDocument is what the PDF of inv prints.
func (s *Service) pdfDocument(ctx context.Context, inv Invoice) (invoicepdf.Document, error) {
	set, err := s.settings(ctx)
	if err != nil {
		return invoicepdf.Document{}, err
	}
	doc := invoicepdf.Document{Kind: inv.Kind, Number: inv.Number, Status: inv.Status, DueAt: inv.DueAt, Issuer: pdfParty(inv.Issuer),
		Recipient: pdfParty(inv.Recipient), Subtotal: inv.Subtotal, Tax: inv.Tax, Total: inv.Total, Paid: inv.Paid, Credited: inv.Credited,
		AmountDue: inv.AmountDue, ReverseCharge: inv.ReverseCharge, Reason: inv.Reason, Footer: inv.Issuer.Name}
	doc.IssuedAt = inv.CreatedAt
	if inv.IssuedAt != nil {
		doc.IssuedAt = *inv.IssuedAt
	}
	if inv.Kind == KindCreditNote {
		doc.DueAt = nil
		if inv.CreditOf != "" {
			var number *string
			if err := s.db.QueryRow(ctx, `SELECT number FROM invoices WHERE id = $1`, inv.CreditOf).Scan(&number); err == nil && number != nil {
				doc.CreditOf = *number
			}
		}
	}
	for _, l := range inv.Lines {
		pl := invoicepdf.Line{Description: l.Description, PeriodStart: l.PeriodStart, PeriodEnd: l.PeriodEnd,
			Quantity: l.Quantity, Amount: l.Amount, TaxRate: l.TaxRate, Ranges: l.RangeTexts()}
		if l.UnitPrice != nil {
			pl.UnitPrice = *l.UnitPrice
		}
		doc.Lines = append(doc.Lines, pl)
	}
	for _, t := range inv.Taxes {
		doc.Taxes = append(doc.Taxes, invoicepdf.TaxLine{Name: t.Name, Rate: t.Rate, Base: t.Base, Tax: t.Tax})
	}
	// The marketplace's payment instructions are for invoices it collects;
	// a pro-forma's issuer bills the sale itself and is paid its own way.
	if inv.Kind == KindInvoice && inv.AmountDue.IsPositive() {
		doc.PaymentInstructions = set.PaymentInstructions
		if inv.Number != "" {
			if doc.PaymentInstructions != "" {
				doc.PaymentInstructions += "\n"
			}
			doc.PaymentInstructions += "Reference: " + inv.Number
		}
	}
	if inv.Kind == KindProforma {
		doc.Notes = append(doc.Notes, inv.Issuer.Name+" bills this sale itself: pay it as agreed with "+inv.Issuer.Name+".")
	}
	return doc, nil
}

func pdfParty(p Party) invoicepdf.Party {
	return invoicepdf.Party{Name: p.Name, Address: p.Address, Country: p.Country, TaxID: p.TaxID, Email: p.Email}
}
