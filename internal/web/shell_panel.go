package web

import (
	"net/http"
	"time"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/errs"
)

// panelRoutes declares the pages of the vendor panel and the admin billing back-office.
func (h *handler) panelRoutes(m *http.ServeMux) {
	// Vendor operations (panels_vendor.go). Product onboarding lives under
	// /vendor/products (pages_onboarding.go).
	m.Handle("GET /vendor", h.user(h.panelsVendor(h.panelsVendorHome)))
	m.Handle("GET /vendor/orders", h.user(h.panelsVendor(h.panelsVendorOrders)))
	m.Handle("POST /vendor/orders/{id}/approve", h.form(h.panelsVendor(h.panelsApproveOrder)))
	m.Handle("POST /vendor/orders/{id}/reject", h.form(h.panelsVendor(h.panelsRejectOrder)))
	m.Handle("GET /vendor/subscriptions", h.user(h.panelsVendor(h.panelsVendorSubs)))
	m.Handle("GET /vendor/subscriptions/{id}", h.user(h.panelsVendor(h.panelsVendorSub)))
	m.Handle("POST /vendor/subscriptions/{id}/deployed", h.form(h.panelsVendor(h.panelsDeployed)))
	m.Handle("POST /vendor/subscriptions/{id}/failed", h.form(h.panelsVendor(h.panelsFailed)))
	m.Handle("GET /vendor/reports", h.user(h.panelsVendor(h.panelsVendorReports)))
	m.Handle("GET /vendor/reports/{file}", h.user(h.panelsVendor(h.panelsVendorReportFile)))

	// Admin billing (panels_admin.go). The review queue lives under
	// /admin/review (pages_onboarding.go).
	m.Handle("GET /admin", h.user(h.panelsStaff(h.panelsAdminHome)))
	m.Handle("GET /admin/invoices", h.user(h.panelsStaff(h.panelsAdminInvoices)))
	m.Handle("GET /admin/invoices/{id}", h.user(h.panelsStaff(h.panelsAdminInvoice)))
	m.Handle("GET /admin/invoices/{id}/pdf", h.user(h.panelsStaff(h.panelsAdminInvoicePDF)))
	m.Handle("POST /admin/invoices/{id}/payments", h.upload(panelsMaxUpload, "The file is too large: attach a scan of at most 5 MB.", h.panelsStaff(h.panelsRecordPayment)))
	m.Handle("POST /admin/invoices/{id}/void", h.form(h.panelsStaff(h.panelsVoid)))
	m.Handle("POST /admin/invoices/{id}/uncollectible", h.form(h.panelsStaff(h.panelsWriteOff)))
	m.Handle("POST /admin/invoices/{id}/issue", h.form(h.panelsStaff(h.panelsIssue)))
	m.Handle("POST /admin/invoices/{id}/credit-notes", h.form(h.panelsStaff(h.panelsCreditNote)))
	m.Handle("GET /admin/payments/{id}/attachment", h.user(h.panelsStaff(h.panelsPaymentAttachment)))
	m.Handle("GET /admin/tax-rates", h.user(h.panelsStaff(h.panelsTaxRates)))
	m.Handle("POST /admin/tax-rates", h.form(h.panelsStaff(h.panelsCreateTaxRate)))
	m.Handle("GET /admin/tax-rates/{id}", h.user(h.panelsStaff(h.panelsTaxRate)))
	m.Handle("POST /admin/tax-rates/{id}", h.form(h.panelsStaff(h.panelsUpdateTaxRate)))
	m.Handle("POST /admin/tax-rates/{id}/delete", h.form(h.panelsStaff(h.panelsDeleteTaxRate)))
	m.Handle("POST /admin/platform-fees/{id}", h.form(h.panelsStaff(h.panelsSetVendorFee)))
	// Every vendor's orders and subscriptions, on the vendor's pages.
	m.Handle("GET /admin/orders", h.user(h.panelsStaff(h.panelsVendorOrders)))
	m.Handle("POST /admin/orders/{id}/approve", h.form(h.panelsStaff(h.panelsApproveOrder)))
	m.Handle("POST /admin/orders/{id}/reject", h.form(h.panelsStaff(h.panelsRejectOrder)))
	m.Handle("GET /admin/subscriptions", h.user(h.panelsStaff(h.panelsVendorSubs)))
	m.Handle("GET /admin/subscriptions/{id}", h.user(h.panelsStaff(h.panelsVendorSub)))
	m.Handle("POST /admin/subscriptions/{id}/deployed", h.form(h.panelsStaff(h.panelsDeployed)))
	m.Handle("POST /admin/subscriptions/{id}/failed", h.form(h.panelsStaff(h.panelsFailed)))
	m.Handle("POST /admin/subscriptions/{id}/retry-step", h.form(h.panelsStaff(h.panelsRetryStep)))
}

// panelsVendor lets only vendor users through; everyone else gets a 403.
func (h *handler) panelsVendor(fn pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		if s := currentUser(r); s == nil || identity.Role(s.Actor.Role) != identity.VendorRole {
			return errs.Forbidden("not_vendor", "the vendor panel is for vendors")
		}
		return fn(w, r, v)
	}
}

// panelsStaff lets only the marketplace's staff through; everyone else
// gets a 403. What each may change is the services' business.
func (h *handler) panelsStaff(fn pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, v *view) error {
		if s := currentUser(r); s == nil || !identity.Role(s.Actor.Role).Staff() {
			return errs.Forbidden("not_staff", "the billing back-office is for the marketplace's staff")
		}
		return fn(w, r, v)
	}
}

// panelsMaxUpload bounds a form with a file: the largest attachment the
// billing service takes, plus room for the other fields and the multipart
// framing.
const panelsMaxUpload = billing.MaxAttachment + 1<<20

// panelsNow is the platform's present as the identity service saw it when
// this browser session began (its clock, not the machine's): it picks the
// default month of reports and charts.
func panelsNow(r *http.Request) time.Time {
	if s := currentUser(r); s != nil && !s.Session.CreatedAt.IsZero() {
		return s.Session.CreatedAt.UTC()
	}
	return time.Time{}
}

// panelsMonth is the first instant of t's month.
func panelsMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// panelsFieldErr returns err with its field errors renamed by rename (a
// service field such as "endpoints[2].url" to the page's input
// "endpoints"), or err itself when nothing is renamed.
func panelsFieldErr(err error, rename func(field string) string) error {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = make([]errs.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = rename(f.Field)
		c.Fields[i] = f
	}
	return &c
}

// panelsCodeField turns a refusal without field errors into an error next
// to the input named for its code in fields, so it shows on the form.
func panelsCodeField(err error, fields map[string]string) error {
	e, ok := errs.As(err)
	if !ok || len(e.Fields) > 0 {
		return err
	}
	f, ok := fields[e.Code]
	if !ok {
		return err
	}
	return errs.Invalid(e.Code, e.Message, errs.Field(f, e.Code, e.Message))
}

// panelsInvalid is a validation error on one input.
func panelsInvalid(field, code, message string) error {
	return errs.Invalid("validation_failed", field+": "+message, errs.Field(field, code, message))
}
