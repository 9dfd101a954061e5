package billing

import (
	"github.com/nephele-cloud/nephele/internal/channel"
	"github.com/nephele-cloud/nephele/internal/platform/actor"
)

// Who may read a document, and which of its amounts, is the channel's
// price visibility rule (channel.PriceSight), not a rule of billing's own:
// a document is a deal whose buyer is its recipient and whose seller is
// its issuer. Every amount of a document (its lines, taxes, totals, what is
// paid and due) is at the buyer's price, so a caller reads a document iff
// PriceSight shows it the buyer's price (or every price: staff).
//
// The SQL filter of lists (invoiceCandidates) only narrows the rows a list
// reads to the caller's own issuer/recipient documents, for efficiency; a
// test pins that it selects exactly the documents MayReadInvoice grants.

// InvoiceDeal is a document as a channel deal: the recipient buys, the
// issuer sells. A pro-forma is self-billed: its issuer is the vendor of
// the sale. An invoice or a credit note names no vendor (its lines may
// bill several), so the vendor's sight of it is that of any other party.
func InvoiceDeal(inv Invoice) channel.Deal {
	d := channel.Deal{BuyerOrgID: inv.RecipientOrgID, SellerOrgID: inv.IssuerOrgID}
	if inv.Kind == KindProforma {
		d.VendorOrgID = inv.IssuerOrgID
	}
	return d
}

// MayReadInvoice reports whether a may read inv (and so every amount of
// it): PriceSight grants it every price or the buyer's. A document always
// has a recipient; one without would be a public price to PriceSight, so
// it is refused to anyone but staff.
func MayReadInvoice(a actor.Actor, inv Invoice) bool {
	s := channel.PriceSight(a, InvoiceDeal(inv))
	return s.All || (s.BuyerPrice && inv.RecipientOrgID != "")
}
