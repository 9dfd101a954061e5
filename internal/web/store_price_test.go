package web

import (
	"net/http"
	"testing"
)

// TestStoreHeadlineSaysWhatItIncludes: the headline price per period
// includes the infrastructure, and every page says so, so that "EUR 24.00
// per month" beside "Infrastructure EUR 4.00" does not read as 24 + 4 while
// checkout charges 20 + 4 (issue 15).
func TestStoreHeadlineSaysWhatItIncludes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := storeCheckoutFixture(t, e)
	c := e.client()
	c.login("customer_direct")

	res := c.get("/products/" + s.mail.Slug)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "EUR 24.00 per month incl. EUR 4.00 infrastructure", "Infrastructure EUR 4.00 per month, included in the price")

	res = c.get("/catalog")
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "From EUR 24.00 / month incl. infrastructure")

	res = c.get("/checkout?plan=" + s.mailPlans[0].ID)
	wantStatus(t, res, http.StatusOK)
	wantText(t, res, "Then EUR 24.00 per month incl. infrastructure, plus tax")
}
