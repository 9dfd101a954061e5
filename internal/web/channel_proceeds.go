package web

import (
	"net/http"
	"strings"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/ledger"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// channelProceedsData is the proceeds page.
type channelProceedsData struct {
	Tabs      []channelTab
	Month     string
	Proceeds  *billing.Proceeds
	Statement *billing.Statement
	Entries   []channelEntryRow
}

// channelEntryRow is a statement line with its kind in words.
type channelEntryRow struct {
	billing.StatementEntry
	KindLabel string
}

// channelProceedsPage shows the party's margin of a month (what it sold
// less what it bought, per currency) and its ledger statement for the same
// month, from the billing service as the API's proceeds and statement
// endpoints.
func (h *handler) channelProceedsPage(w http.ResponseWriter, r *http.Request, v *view) error {
	ctx := r.Context()
	month := strings.TrimSpace(r.URL.Query().Get("month"))
	if month == "" {
		// The business month the session started in: the services' clock,
		// which the web layer reads only through what they return.
		month = currentUser(r).Session.CreatedAt.UTC().Format("2006-01")
	}
	d := channelProceedsData{Tabs: channelTabs(r), Month: month}
	p, err := h.bill.ChannelProceeds(ctx, orgOf(r), month)
	if e, ok := errs.As(err); ok && e.Kind == errs.KindInvalid && len(e.Fields) > 0 {
		v.setForm("month", newForm(r.URL.Query(), e.Fields))
		v.Status = http.StatusUnprocessableEntity
		v.Title = "Proceeds"
		v.Data = d
		return h.render(w, r, v, channelPanel)
	}
	if err != nil {
		return err
	}
	st, err := h.bill.PartyStatement(ctx, orgOf(r), p.From, p.To)
	if err != nil {
		return err
	}
	d.Month, d.Proceeds, d.Statement = p.Month, &p, &st
	for _, e := range st.Entries {
		d.Entries = append(d.Entries, channelEntryRow{StatementEntry: e, KindLabel: channelLedgerKind(e.Kind)})
	}
	v.Title = "Proceeds " + p.From.Format("January 2006")
	v.Data = d
	return h.render(w, r, v, channelPanel)
}

// channelLedgerKinds name the ledger kinds a channel party meets.
var channelLedgerKinds = map[string]string{ledger.KindLicence: "Licence", ledger.KindUsage: "Pay per use", ledger.KindIaaS: "Infrastructure",
	ledger.KindTax: "Tax", ledger.KindPayment: "Payment", ledger.KindWriteOff: "Written off"}

// channelLedgerKind names a ledger line's kind for people.
func channelLedgerKind(k string) string {
	if s, ok := channelLedgerKinds[k]; ok {
		return s
	}
	return channelWords(k)
}
