package billing_test

import (
	"testing"

	"github.com/nephele-cloud/nephele/internal/billing"
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
)

// MayReadInvoice is channel.PriceSight over the document as a deal: the
// recipient (buyer) and the issuer (seller) read every kind of document,
// a pro-forma's issuer as its vendor too; staff and the system read all;
// a peer, a party above the issuer and an organization-less caller read
// none; a document without a recipient is no public price.
func TestMayReadInvoice(t *testing.T) {
	user := func(org string, role identity.Role) actor.Actor {
		return actor.Actor{Kind: actor.KindUser, UserID: "u_" + org, OrgID: org, Role: string(role)}
	}
	callers := map[string]actor.Actor{
		"system": actor.System, "admin": user("op", identity.Admin), "supervisor": user("op", identity.Supervisor),
		"issuer": user("iss", identity.Reseller), "recipient": user("rec", identity.Customer),
		"above": user("dist", identity.Distributor), "peer": user("rec2", identity.Customer), "vendor": user("ven", identity.VendorRole),
		"no org": {Kind: actor.KindUser, UserID: "u_x"},
	}
	readers := map[string]bool{"system": true, "admin": true, "supervisor": true, "issuer": true, "recipient": true}
	for _, kind := range []string{billing.KindInvoice, billing.KindCreditNote, billing.KindProforma} {
		inv := billing.Invoice{Kind: kind, IssuerOrgID: "iss", RecipientOrgID: "rec"}
		if d := billing.InvoiceDeal(inv); d.BuyerOrgID != "rec" || d.SellerOrgID != "iss" || (d.VendorOrgID == "iss") != (kind == billing.KindProforma) {
			t.Errorf("%s as a deal: %+v", kind, d)
		}
		for who, a := range callers {
			if got := billing.MayReadInvoice(a, inv); got != readers[who] {
				t.Errorf("%s reads a %s: %v, want %v", who, kind, got, readers[who])
			}
		}
		inv.RecipientOrgID = ""
		for who, a := range callers {
			staff := who == "system" || who == "admin" || who == "supervisor"
			if got := billing.MayReadInvoice(a, inv); got != staff {
				t.Errorf("%s reads a %s without a recipient: %v, want %v", who, kind, got, staff)
			}
		}
	}
}

// MayReadReport: a party's book is read by staff and the party itself,
// by no other party of its channel.
func TestMayReadReport(t *testing.T) {
	for _, c := range []struct {
		a    actor.Actor
		org  string
		want bool
	}{
		{actor.System, "res", true},
		{actor.Actor{Kind: actor.KindUser, OrgID: "op", Role: string(identity.Supervisor)}, "res", true},
		{actor.Actor{Kind: actor.KindUser, OrgID: "res", Role: string(identity.Reseller)}, "res", true},
		{actor.Actor{Kind: actor.KindUser, OrgID: "dist", Role: string(identity.Distributor)}, "res", false},
		{actor.Actor{Kind: actor.KindUser, OrgID: "cus", Role: string(identity.Customer)}, "res", false},
		{actor.Actor{Kind: actor.KindUser, Role: string(identity.Customer)}, "", false},
		{actor.Actor{Kind: actor.KindUser, OrgID: "res", Role: string(identity.Reseller)}, "", false},
	} {
		if got := billing.MayReadReport(c.a, c.org); got != c.want {
			t.Errorf("%s (%s) reads the book of %q: %v, want %v", c.a.OrgID, c.a.Role, c.org, got, c.want)
		}
	}
}
