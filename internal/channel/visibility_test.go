package channel_test

import (
	"testing"

	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// TestPriceSight is the rule of who sees which price of a deal, role by
// role: a reseller's customer bought through the whole channel.
func TestPriceSight(t *testing.T) {
	t.Parallel()
	lvl := func(org string, buys bool) channel.Level {
		l := channel.Level{OrgID: org, Sells: pricing.PlanPrices{}}
		if buys {
			l.Buys = &pricing.PlanPrices{}
		}
		return l
	}
	deal := channel.Deal{BuyerOrgID: "cust", SellerOrgID: "res", VendorOrgID: "ven",
		Levels: []channel.Level{lvl("ven", false), lvl("op", true), lvl("dist", true), lvl("res", true)}}
	user := func(org, role string) actor.Actor {
		return actor.Actor{Kind: actor.KindUser, UserID: "u", OrgID: org, Role: role}
	}
	for _, tt := range []struct {
		name               string
		a                  actor.Actor
		all, buyer, vendor bool
		own                string
	}{
		{"system", actor.System, true, true, true, ""},
		{"admin", user("op", "admin"), true, true, true, ""},
		{"supervisor", user("op", "supervisor"), true, true, true, ""},
		{"customer", user("cust", "customer"), false, true, false, ""},
		{"seller", user("res", "reseller"), false, true, false, "res"},
		{"distributor above the seller", user("dist", "distributor"), false, false, false, "dist"},
		{"vendor", user("ven", "vendor"), false, false, true, "ven"},
		{"peer reseller", user("res2", "reseller"), false, false, false, ""},
		{"peer customer", user("cust2", "customer"), false, false, false, ""},
		{"anonymous", actor.Actor{}, false, false, false, ""},
	} {
		s := channel.PriceSight(tt.a, deal)
		own := ""
		if s.Own != nil {
			own = s.Own.OrgID
		}
		if s.All != tt.all || s.BuyerPrice != tt.buyer || s.VendorPrice != tt.vendor || own != tt.own {
			t.Errorf("%s: all %v buyer %v vendor %v own %q; want %v %v %v %q", tt.name, s.All, s.BuyerPrice, s.VendorPrice, own,
				tt.all, tt.buyer, tt.vendor, tt.own)
		}
	}
	// A public price (no buyer named) is everyone's.
	if !channel.PriceSight(actor.Actor{}, channel.Deal{SellerOrgID: "op"}).BuyerPrice {
		t.Error("a visitor does not see a public price")
	}
}
