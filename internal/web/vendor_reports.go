package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// vendorReportData is the balance report page's content.
type vendorReportData struct {
	Month  string
	Report billing.BalanceReport
	// Shown is false when the month could not be read.
	Shown bool
}

// vendorReports shows the vendor's balance of a month: licence and
// pay-per-use revenue, less the platform fee and the trial and sandbox
// costs, is the amount due, with CSV and PDF downloads.
func (h *handler) vendorReports(w http.ResponseWriter, r *http.Request, v *view) error {
	q := r.URL.Query()
	d := vendorReportData{Month: strings.TrimSpace(q.Get("month"))}
	if d.Month == "" {
		d.Month = panelNow(r).Format("2006-01")
	}
	v.Title = "Balance reports"
	rep, err := h.bill.VendorBalance(r.Context(), orgOf(r), d.Month)
	if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
		v.setForm("month", newForm(url.Values{"month": {d.Month}}, e.Fields))
		v.Status = http.StatusUnprocessableEntity
		v.Data = d
		return h.render(w, r, v, "vendor_reports")
	}
	if err != nil {
		return err
	}
	d.Report, d.Shown, d.Month = rep, true, rep.Month
	v.Data = d
	return h.render(w, r, v, "vendor_reports")
}

// vendorReportFile serves a month's balance report as CSV
// (/vendor/reports/2026-11.csv) or PDF (.pdf), as the API does.
func (h *handler) vendorReportFile(w http.ResponseWriter, r *http.Request, v *view) error {
	file := r.PathValue("file")
	m, ext, ok := strings.Cut(file, ".")
	if !ok || (ext != "csv" && ext != "pdf") {
		return errs.NotFound("not_found", "no such report")
	}
	rep, err := h.bill.VendorBalance(r.Context(), orgOf(r), m)
	if err != nil {
		return err
	}
	var body []byte
	ctype := "text/csv; charset=utf-8"
	if ext == "csv" {
		body = rep.CSV()
	} else {
		if body, err = rep.PDF("Balance report " + rep.Month); err != nil {
			return err
		}
		ctype = "application/pdf"
	}
	sendFile(w, r, ctype, "balance-"+rep.Month+"."+ext, body)
	return nil
}
