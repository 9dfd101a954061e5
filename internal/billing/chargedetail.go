package billing

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// storedDetail is chargeDetail as stored: lines compacted.
type storedDetail struct {
	Label        string                 `json:"label"`
	TaxCategory  string                 `json:"tax_category"`
	IssuerVendor bool                   `json:"issuer_vendor,omitempty"`
	Lines        []compactLine          `json:"lines,omitempty"`
	Postpaid     []pricing.PostpaidTerm `json:"postpaid,omitempty"`
	Claims       []claim                `json:"claims,omitempty"`
	Levels       []levelTerms           `json:"levels,omitempty"`
	Parties      []string               `json:"parties,omitempty"`
	Carried      *carried               `json:"carried,omitempty"`
}

// compactLine is a quote line as a charge stores it: amounts in minor
// units of the charge's currency, decimals as strings, the period in
// microseconds since the epoch. The rating breakdown is kept (as Ranges)
// only when the unit price does not explain the amount (see ranged).
type compactLine struct {
	Kind        string         `json:"k"`
	Description string         `json:"d"`
	Quantity    string         `json:"q"`
	UnitPrice   string         `json:"u,omitempty"`
	Amount      int64          `json:"a"`
	Component   string         `json:"c,omitempty"`
	Extra       string         `json:"x,omitempty"`
	Start       int64          `json:"s,omitempty"`
	End         int64          `json:"e,omitempty"`
	Ranges      []compactRange `json:"r,omitempty"`
}

// compactRange is a breakdown line as a charge stores it: what a document
// shows of it (pricing.RatingLine's From, To, Quantity, UnitPrice,
// FlatPrice, PackageSize), decimals as strings, zeros left out.
type compactRange struct {
	From        string `json:"f,omitempty"`
	To          string `json:"t,omitempty"`
	Quantity    string `json:"q"`
	UnitPrice   string `json:"u,omitempty"`
	FlatPrice   string `json:"p,omitempty"`
	PackageSize int64  `json:"n,omitempty"`
}

// compactRanges is the stored form of a ranged line's breakdown.
func compactRanges(bd []pricing.RatingLine) []compactRange {
	out := make([]compactRange, len(bd))
	str := func(d money.Decimal) string {
		if d.IsZero() {
			return ""
		}
		return d.String()
	}
	for i, r := range bd {
		out[i] = compactRange{From: str(r.From), Quantity: r.Quantity.String(), UnitPrice: str(r.UnitPrice), FlatPrice: str(r.FlatPrice),
			PackageSize: r.PackageSize}
		if r.To != nil {
			out[i].To = r.To.String()
		}
	}
	return out
}

// breakdownOf reads the stored ranges back.
func breakdownOf(rs []compactRange) ([]pricing.RatingLine, error) {
	out := make([]pricing.RatingLine, len(rs))
	parse := func(s string, d *money.Decimal) error {
		if s == "" {
			return nil
		}
		v, err := money.ParseDecimal(s)
		*d = v
		return err
	}
	for i, r := range rs {
		l := &out[i]
		l.PackageSize = r.PackageSize
		if r.To != "" {
			l.To = new(money.Decimal)
		}
		for _, f := range []struct {
			s string
			d *money.Decimal
		}{{r.From, &l.From}, {r.To, l.To}, {r.Quantity, &l.Quantity}, {r.UnitPrice, &l.UnitPrice}, {r.FlatPrice, &l.FlatPrice}} {
			if err := parse(f.s, f.d); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func encodeDetail(d chargeDetail) (string, error) {
	sd := storedDetail{Label: d.Label, TaxCategory: d.TaxCategory, IssuerVendor: d.IssuerVendor, Postpaid: d.Postpaid, Claims: d.Claims,
		Levels: d.Levels, Parties: d.Parties, Carried: d.Carried}
	for _, l := range d.Lines {
		cl := compactLine{Kind: string(l.Kind), Description: l.Description, Quantity: l.Quantity.String(), Amount: l.Amount.Minor(),
			Component: l.ComponentPlanID, Extra: l.ExtraID}
		if !l.UnitPrice.IsZero() {
			cl.UnitPrice = l.UnitPrice.String()
		}
		if l.Period != nil {
			cl.Start, cl.End = l.Period.Start.UnixMicro(), l.Period.End.UnixMicro()
		}
		if ranged(l) {
			cl.Ranges = compactRanges(l.Breakdown)
		}
		sd.Lines = append(sd.Lines, cl)
	}
	b, err := json.Marshal(sd)
	return string(b), err
}

// readDetail is storedDetail as read: the usage terms left as JSON, so
// that terms many charges share (those of a plan sold through one channel)
// are decoded once.
type readDetail struct {
	Label        string         `json:"label"`
	TaxCategory  string         `json:"tax_category"`
	IssuerVendor bool           `json:"issuer_vendor,omitempty"`
	Lines        []compactLine  `json:"lines,omitempty"`
	Postpaid     jsontext.Value `json:"postpaid,omitempty"`
	Claims       []claim        `json:"claims,omitempty"`
	Levels       jsontext.Value `json:"levels,omitempty"`
	Parties      []string       `json:"parties,omitempty"`
	Carried      *readCarried   `json:"carried,omitempty"`
}

// readCarried is carried as read, its terms left as JSON.
type readCarried struct {
	ChargeID string         `json:"charge_id"`
	Start    time.Time      `json:"start"`
	End      time.Time      `json:"end"`
	Postpaid jsontext.Value `json:"postpaid"`
	Levels   jsontext.Value `json:"levels,omitempty"`
}

// termsDecoder decodes usage terms, each distinct one once. The terms it
// returns are shared by the charges decoded with it and never changed
// (clipped: appending to them copies). One goroutine uses it.
type termsDecoder struct {
	postpaid map[string][]pricing.PostpaidTerm
	levels   map[string][]levelTerms
}

func decodeTerms[T any](cache *map[string][]T, raw jsontext.Value) ([]T, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if v, ok := (*cache)[string(raw)]; ok {
		return v, nil
	}
	var v []T
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	v = slices.Clip(v)
	if *cache == nil {
		*cache = map[string][]T{}
	}
	(*cache)[string(raw)] = v
	return v, nil
}

func (dec *termsDecoder) terms(postpaid, levels jsontext.Value) ([]pricing.PostpaidTerm, []levelTerms, error) {
	p, err := decodeTerms(&dec.postpaid, postpaid)
	if err != nil {
		return nil, nil, err
	}
	l, err := decodeTerms(&dec.levels, levels)
	return p, l, err
}

// detail decodes a stored detail; a nil dec shares nothing.
func (dec *termsDecoder) detail(raw []byte, cur money.Currency) (chargeDetail, error) {
	if dec == nil {
		dec = &termsDecoder{}
	}
	// Details as this package writes them decode by hand (readDetailFast);
	// anything else through encoding/json/v2, a third of the time of
	// encoding/json, which validates the whole input before decoding it.
	var sd readDetail
	if !readDetailFast(raw, &sd) {
		sd = readDetail{}
		if err := jsonv2.Unmarshal(raw, &sd); err != nil {
			return chargeDetail{}, err
		}
	}
	return dec.fromRead(sd, cur)
}

// fromRead is the detail read as sd.
func (dec *termsDecoder) fromRead(sd readDetail, cur money.Currency) (chargeDetail, error) {
	d := chargeDetail{Label: sd.Label, TaxCategory: sd.TaxCategory, IssuerVendor: sd.IssuerVendor, Claims: sd.Claims, Parties: sd.Parties}
	var err error
	if d.Postpaid, d.Levels, err = dec.terms(sd.Postpaid, sd.Levels); err != nil {
		return d, err
	}
	if c := sd.Carried; c != nil {
		d.Carried = &carried{ChargeID: c.ChargeID, Start: c.Start, End: c.End}
		if d.Carried.Postpaid, d.Carried.Levels, err = dec.terms(c.Postpaid, c.Levels); err != nil {
			return d, err
		}
	}
	if len(sd.Lines) > 0 {
		d.Lines = make([]pricing.QuoteLine, len(sd.Lines))
	}
	for i, cl := range sd.Lines {
		q, err := money.ParseDecimal(cl.Quantity)
		if err != nil {
			return d, err
		}
		l := pricing.QuoteLine{Kind: pricing.LineKind(cl.Kind), Description: cl.Description, Quantity: q, Amount: money.NewAmount(cl.Amount, cur),
			ComponentPlanID: cl.Component, ExtraID: cl.Extra}
		if cl.UnitPrice != "" {
			if l.UnitPrice, err = money.ParseDecimal(cl.UnitPrice); err != nil {
				return d, err
			}
		}
		if cl.Start != 0 || cl.End != 0 {
			l.Period = &pricing.Period{Start: time.UnixMicro(cl.Start).UTC(), End: time.UnixMicro(cl.End).UTC()}
		}
		if len(cl.Ranges) > 0 {
			if l.Breakdown, err = breakdownOf(cl.Ranges); err != nil {
				return d, err
			}
		}
		d.Lines[i] = l
	}
	return d, nil
}
