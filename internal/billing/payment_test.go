package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/subscription"
)

func ptr[T any](v T) *T { return &v }

// count is the number of rows of a table, to prove refusals wrote nothing.
func (f *fixture) count(table string) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// Partial payments, overpayment, credit notes within what is left, void
// and write-off, and every refusal writing nothing.
func TestPaymentsAndCorrections(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		o := f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		inv := f.invoices("customer_direct")[0] // 40.00 + 8.80
		admin := f.as("admin")
		pin := func(amount string) billing.PaymentInput {
			return billing.PaymentInput{Amount: amount, Reference: "SLIP-1", ReceivedOn: start}
		}
		before := [3]int{f.count("payments"), f.count("invoices"), f.count("ledger_entries")}
		for _, c := range []struct {
			ctx  context.Context
			in   billing.PaymentInput
			code string
		}{
			{admin, pin("-5.00"), "out_of_range"},
			{admin, pin("0"), "out_of_range"},
			{admin, pin("12.345"), "invalid_amount"},
			{admin, pin("48.81"), "overpayment"},
			{admin, billing.PaymentInput{Amount: "1.00", ReceivedOn: start}, "required"},
			{admin, billing.PaymentInput{Amount: "1.00", Reference: "X"}, "required"},
			{admin, billing.PaymentInput{Amount: "1.00", Reference: "X", ReceivedOn: start, Attachment: []byte("plain text"), AttachmentName: "a.txt"}, "unsupported_type"},
			{f.as("customer_direct"), pin("1.00"), "permission_denied"},
			{f.as("supervisor"), pin("1.00"), "permission_denied"},
		} {
			_, err := f.bill.RecordPayment(c.ctx, inv.ID, c.in)
			wantCode(t, err, c.code)
		}
		if after := [3]int{f.count("payments"), f.count("invoices"), f.count("ledger_entries")}; after != before {
			t.Fatalf("refused payments wrote: %v -> %v", before, after)
		}
		// 20.00 now, with the deposit slip; the rest later.
		slip := []byte("%PDF-1.4\n% deposit slip\n")
		p, err := f.bill.RecordPayment(admin, inv.ID, billing.PaymentInput{Amount: "20.00", Reference: "SLIP-1", ReceivedOn: start,
			Attachment: slip, AttachmentName: "slip.pdf"})
		if err != nil || p.AttachmentType != "application/pdf" {
			t.Fatalf("partial payment: %+v %v", p, err)
		}
		got, _ := f.bill.GetInvoice(admin, inv.ID)
		if got.Status != billing.StatusIssued || got.AmountDue.String() != "28.80" {
			t.Fatalf("after a partial payment: %s due %s", got.Status, got.AmountDue)
		}
		if f.sub(o.SubscriptionID).Provisioning != subscription.ProvWaitingPayment {
			t.Fatal("a partial payment started provisioning")
		}
		if _, data, err := f.bill.PaymentAttachment(f.as("customer_direct"), p.ID); err != nil || string(data) != string(slip) {
			t.Fatalf("attachment: %v", err)
		}
		_, _, err = f.bill.PaymentAttachment(f.as("customer_a1"), p.ID)
		wantCode(t, err, "payment_not_found")

		// A credit note of 10.00 on the licence line: 12.20 with tax.
		cn, err := f.bill.CreateCreditNote(admin, inv.ID, billing.CreditNoteInput{Reason: "goodwill",
			Lines: []billing.CreditLineInput{{LineNo: 2, Amount: ptr("10.00")}}})
		if err != nil || cn.Number != "CN-2026-000001" || cn.Total.String() != "12.20" || cn.CreditOf != inv.ID || *cn.Lines[0].CreditsLine != 2 {
			t.Fatalf("credit note: %+v %v", cn, err)
		}
		got, _ = f.bill.GetInvoice(admin, inv.ID)
		if got.AmountDue.String() != "16.60" || got.Credited.String() != "12.20" {
			t.Fatalf("after the credit note: due %s, credited %s", got.AmountDue, got.Credited)
		}
		before = [3]int{f.count("payments"), f.count("invoices"), f.count("ledger_entries")}
		_, err = f.bill.CreateCreditNote(admin, inv.ID, billing.CreditNoteInput{Reason: "too much", Lines: []billing.CreditLineInput{{LineNo: 2, Amount: ptr("20.01")}}})
		wantCode(t, err, "credit_exceeds_line")
		_, err = f.bill.CreateCreditNote(admin, inv.ID, billing.CreditNoteInput{Reason: "none", Lines: []billing.CreditLineInput{{LineNo: 9}}})
		wantCode(t, err, "line_not_found")
		_, err = f.bill.CreateCreditNote(f.as("customer_direct"), inv.ID, billing.CreditNoteInput{Reason: "mine"})
		wantCode(t, err, "permission_denied")
		_, err = f.bill.CreateCreditNote(admin, cn.ID, billing.CreditNoteInput{Reason: "of a credit"})
		wantCode(t, err, "invoice_not_creditable")
		_, err = f.bill.Void(admin, inv.ID, "paid partly")
		wantCode(t, err, "invoice_not_voidable")
		_, err = f.bill.RecordPayment(admin, cn.ID, pin("1.00"))
		wantCode(t, err, "not_payable")
		if after := [3]int{f.count("payments"), f.count("invoices"), f.count("ledger_entries")}; after != before {
			t.Fatalf("refusals wrote: %v -> %v", before, after)
		}
		// The rest pays it: the order is paid, provisioning starts.
		f.pay(got)
		got, _ = f.bill.GetInvoice(admin, inv.ID)
		if got.Status != billing.StatusPaid || !got.AmountDue.IsZero() || f.sub(o.SubscriptionID).Provisioning != subscription.ProvPending {
			t.Fatalf("paid: %s due %s", got.Status, got.AmountDue)
		}
		_, err = f.bill.RecordPayment(admin, inv.ID, pin("1.00"))
		wantCode(t, err, "invoice_already_paid")
		if c := f.balance("operator", "customer_direct"); c != 0 {
			t.Fatalf("the customer still owes %d", c)
		}

		// The next month's invoice is voided; paying it then is refused.
		f.advance(start.AddDate(0, 1, 0).Add(time.Minute))
		may := f.invoices("customer_direct")[2]
		if may.Kind != billing.KindInvoice || may.Total.String() != "36.60" {
			t.Fatalf("May: %+v", may)
		}
		void, err := f.bill.Void(admin, may.ID, "wrong price")
		if err != nil || void.Status != billing.StatusVoid {
			t.Fatalf("void: %+v %v", void, err)
		}
		_, err = f.bill.RecordPayment(admin, may.ID, pin("1.00"))
		wantCode(t, err, "invoice_void")
		_, err = f.bill.MarkUncollectible(admin, may.ID, "gone")
		wantCode(t, err, "invoice_not_collectible")
		// June's is written off.
		f.advance(start.AddDate(0, 2, 0).Add(time.Minute))
		june := f.invoices("customer_direct")[3]
		if w, err := f.bill.MarkUncollectible(admin, june.ID, "customer insolvent"); err != nil || w.Status != billing.StatusUncollectible {
			t.Fatalf("write-off: %+v %v", w, err)
		}
		if c := f.balance("operator", "customer_direct"); c != 0 {
			t.Fatalf("after the void and the write-off the customer owes %d", c)
		}
	})
}

// Crediting a whole invoice credits its exact tax; a paid invoice credited
// leaves the customer in credit.
func TestFullCreditNote(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		inv := f.invoices("customer_direct")[0]
		f.pay(inv)
		cn, err := f.bill.CreateCreditNote(f.as("admin"), inv.ID, billing.CreditNoteInput{Reason: "cancelled at once"})
		if err != nil || cn.Total != inv.Total || cn.Tax != inv.Tax || len(cn.Lines) != 2 {
			t.Fatalf("full credit: %+v %v", cn, err)
		}
		_, err = f.bill.CreateCreditNote(f.as("admin"), inv.ID, billing.CreditNoteInput{Reason: "again"})
		wantCode(t, err, "nothing_to_credit")
		if c := f.balance("customer_direct", "operator"); c != inv.Total.Minor() {
			t.Fatalf("the operator owes the customer %d", c)
		}
		if v := f.balance("vendor_a", "operator"); v != 0 {
			t.Fatalf("the vendor is still owed %d", v)
		}
	})
}

// An unpaid invoice past its due date (issue + payment terms, 15 days) is
// marked overdue by the next run, once, with one event for dunning; a paid
// one is not.
func TestOverdueInvoicesMarkedOnce(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		f.order("customer_a1", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		unpaid, paid := f.invoices("customer_direct")[0], f.invoices("customer_a1")[0]
		f.pay(paid)
		if unpaid.DueAt == nil || !unpaid.DueAt.Equal(start.AddDate(0, 0, 15)) {
			t.Fatalf("due at %v, want %v", unpaid.DueAt, start.AddDate(0, 0, 15))
		}
		events := func() int {
			var n int
			if err := f.d.QueryRow(ctx, `SELECT count(*) FROM events WHERE type = 'billing.invoices_overdue'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		f.clock.Set(start.AddDate(0, 0, 14))
		f.run()
		if got := f.invoices("customer_direct")[0]; got.OverdueAt != nil || events() != 0 {
			t.Fatalf("marked overdue before its due date: %v, %d events", got.OverdueAt, events())
		}
		f.clock.Set(start.AddDate(0, 0, 16))
		f.run()
		f.run()
		got := f.invoices("customer_direct")[0]
		if got.OverdueAt == nil || !got.OverdueAt.Equal(start.AddDate(0, 0, 16)) || events() != 1 {
			t.Fatalf("overdue at %v, %d events; want %v and 1", got.OverdueAt, events(), start.AddDate(0, 0, 16))
		}
		if p := f.invoices("customer_a1")[0]; p.OverdueAt != nil {
			t.Fatalf("a paid invoice was marked overdue at %v", p.OverdueAt)
		}
		list, _, err := f.bill.ListInvoices(f.as("admin"), billing.InvoiceFilter{Overdue: true})
		if err != nil || len(list) != 1 || list[0].ID != unpaid.ID {
			t.Fatalf("overdue list: %d %v", len(list), err)
		}
	})
}

// With payment terms of zero days an invoice is due as it is issued: the
// run that issues it does not mark it overdue (on PostgreSQL the marking
// runs beside the run's batches), the next run does.
func TestOverdueNotMarkedByItsOwnRun(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, f *fixture) {
		if _, err := f.bill.UpdateSettings(f.as("admin"), billing.SettingsInput{PaymentTermsDays: ptr(0)}); err != nil {
			t.Fatal(err)
		}
		f.order("customer_direct", subscription.PlaceOrderInput{PlanID: f.plans["Basic"].ID})
		issued := f.invoices("customer_direct")[0]
		if issued.DueAt == nil || issued.IssuedAt == nil || !issued.DueAt.Equal(*issued.IssuedAt) || issued.OverdueAt != nil {
			t.Fatalf("issued %v, due %v, overdue %v: want due on issue, not overdue", issued.IssuedAt, issued.DueAt, issued.OverdueAt)
		}
		f.run()
		if got := f.invoices("customer_direct")[0]; got.OverdueAt == nil {
			t.Fatal("the next run did not mark the invoice due on issue overdue")
		}
	})
}
