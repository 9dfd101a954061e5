package channel

import (
	"github.com/nephele-cloud/nephele/internal/identity"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// Price visibility: the channel's isolation rule, "no party sees its
// peers' data nor the prices of the parties above it", decided here and
// nowhere else. Every view that carries a price (plans, quotes, orders,
// subscriptions, upcoming invoices, invoices, reports) asks PriceSight
// which of a deal's prices its viewer may see, and shows nothing more:
//
//   - staff (and the system) see every price of the chain;
//   - the buyer sees what it pays, and no price above it;
//   - the seller (the party whose price list the buyer buys from, the
//     issuer of its invoices) sees what the buyer pays, which is its own
//     sell price, and what it buys at;
//   - a party of the chain above the seller (a distributor above a
//     reseller, the marketplace owner's wholesale level) sees only its own
//     level: what it buys at and what it sells at to the party below;
//     never what the buyer pays;
//   - the vendor sees its own list price (what it is paid), never the
//     channel's markups or the buyer's price;
//   - anyone else sees no price of the deal.
//
// A deal without a named buyer is a public price (a visitor's quote on a
// storefront): everyone may see it.

// Deal names the parties of a price-bearing document: a plan sold (or
// priced) to one buyer through the channel.
type Deal struct {
	// BuyerOrgID pays the deal's price: the customer of an order or a
	// subscription, the recipient of an invoice, the buyer of a quote.
	// Empty for a public price.
	BuyerOrgID string
	// SellerOrgID sells at the buyer's price: the owner of the price list
	// the buyer buys from, the issuer of its invoices.
	SellerOrgID string
	// VendorOrgID owns the product sold.
	VendorOrgID string
	// Levels is the chain of prices of the deal, top-down (the vendor
	// first, the seller last), when it is known.
	Levels []Level
}

// Sight is what one viewer may see of a deal's prices.
type Sight struct {
	// All: every level of the chain (staff).
	All bool
	// BuyerPrice: what the buyer pays (the document's amounts at the
	// customer's price).
	BuyerPrice bool
	// VendorPrice: the vendor's list price.
	VendorPrice bool
	// Own is the viewer's own level of the chain (what it buys at and what
	// it sells at), nil when it has none or the chain is unknown.
	Own *Level
}

// Any reports whether the viewer may see any price of the deal.
func (s Sight) Any() bool { return s.All || s.BuyerPrice || s.VendorPrice || s.Own != nil }

// PriceSight decides which prices of deal d viewer a may see. It is the
// one place that decides it; see the package's rule above. It reads no
// database and cannot fail: an actor it does not recognise sees nothing.
func PriceSight(a actor.Actor, d Deal) Sight {
	if a.Kind == actor.KindSystem || identity.Role(a.Role).Staff() {
		return Sight{All: true, BuyerPrice: true, VendorPrice: true}
	}
	var s Sight
	if d.BuyerOrgID == "" {
		s.BuyerPrice = true // a public price
	}
	if a.OrgID == "" {
		return s
	}
	if a.OrgID == d.BuyerOrgID || a.OrgID == d.SellerOrgID {
		s.BuyerPrice = true
	}
	if a.OrgID == d.VendorOrgID {
		s.VendorPrice = true
	}
	// The viewer's own level: the lowest one it holds (a party appears
	// once in a chain; the vendor is the first level).
	for i := len(d.Levels) - 1; i >= 0; i-- {
		if d.Levels[i].OrgID == a.OrgID {
			l := d.Levels[i]
			s.Own = &l
			break
		}
	}
	return s
}

// OwnPrices is a channel party's own prices of a deal: what it buys the
// plan at from the party above (absent for the vendor, who sets the list
// price) and what it sells it at to the party below.
type OwnPrices struct {
	Buys  *pricing.PlanPrices `json:"buys,omitempty" doc:"What the caller pays the party above it (absent for the vendor)."`
	Sells pricing.PlanPrices  `json:"sells" doc:"What the party below the caller pays it."`
}

// OwnPricesOf is the viewer's own level of sight as OwnPrices, nil when it
// has none.
func OwnPricesOf(s Sight) *OwnPrices {
	if s.Own == nil {
		return nil
	}
	return &OwnPrices{Buys: s.Own.Buys, Sells: s.Own.Sells}
}
