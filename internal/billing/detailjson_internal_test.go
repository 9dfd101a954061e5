package billing

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/pricing"
)

// randomDetail is a charge detail with random content: plain and
// non-ASCII text and, if odd, text that needs escapes and times out of
// UTC.
func randomDetail(rng *rand.Rand, odd bool) chargeDetail {
	text := func() string {
		alphabet := []string{"a", "Z", "0", " ", "-", "é", "€", "漢", ":", "/"}
		if odd && rng.IntN(8) == 0 {
			alphabet = append(alphabet, `"`, `\`, "\n", "\x01", "<", "&")
		}
		n := rng.IntN(24)
		s := ""
		for range n {
			s += alphabet[rng.IntN(len(alphabet))]
		}
		return s
	}
	decimal := func() money.Decimal {
		d, err := money.ParseDecimal([]string{"0", "1", "15", "0.01", "20", "1234.5678", "100"}[rng.IntN(7)])
		if err != nil {
			panic(err)
		}
		return d
	}
	at := func() time.Time {
		t := time.Date(2026, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), 0, 0, rng.IntN(2)*rng.IntN(1e9), time.UTC)
		if odd && rng.IntN(6) == 0 {
			t = t.In(time.FixedZone("", 7200))
		}
		return t
	}
	terms := func() []pricing.PostpaidTerm {
		var ts []pricing.PostpaidTerm
		for range rng.IntN(3) {
			ts = append(ts, pricing.PostpaidTerm{Kind: "metric", ID: "mtr_" + text(), Key: text(), Name: text(), Unit: text(),
				Scheme: pricing.Scheme{Kind: pricing.SchemePerUnit, UnitPrice: decimal()}, Included: decimal()})
		}
		return ts
	}
	levels := func() []levelTerms {
		var ls []levelTerms
		for range rng.IntN(3) {
			ls = append(ls, levelTerms{Debtor: text(), Creditor: text(), Vendor: rng.IntN(2) == 0, Postpaid: terms()})
		}
		return ls
	}
	d := chargeDetail{Label: text(), TaxCategory: text(), IssuerVendor: rng.IntN(2) == 0, Postpaid: terms(), Levels: levels()}
	cur := money.MustCurrency("EUR")
	for range rng.IntN(4) {
		l := pricing.QuoteLine{Kind: pricing.LineLicence, Description: text(), Quantity: decimal(), Amount: money.NewAmount(rng.Int64N(1e9)-5e8, cur),
			ComponentPlanID: text(), ExtraID: text()}
		if rng.IntN(2) == 0 {
			l.UnitPrice = decimal()
		}
		if rng.IntN(3) > 0 {
			l.Period = &pricing.Period{Start: at(), End: at()}
		}
		if l.UnitPrice.IsZero() && rng.IntN(2) == 0 {
			// a tiered, stairstep or package line: its ranges are kept
			for range 1 + rng.IntN(3) {
				r := pricing.RatingLine{From: decimal(), Quantity: decimal(), UnitPrice: decimal(), FlatPrice: decimal()}
				if rng.IntN(2) == 0 {
					to := decimal()
					r.To = &to
				}
				if rng.IntN(4) == 0 {
					r.PackageSize = rng.Int64N(100)
				}
				l.Breakdown = append(l.Breakdown, r)
			}
		}
		d.Lines = append(d.Lines, l)
	}
	for range rng.IntN(4) {
		d.Claims = append(d.Claims, claim{Debtor: text(), Creditor: text(), Vendor: rng.IntN(2) == 0, Kind: text(), Amount: rng.Int64N(1e12) - 5e11})
	}
	for range rng.IntN(4) {
		d.Parties = append(d.Parties, text())
	}
	if rng.IntN(2) == 0 {
		d.Carried = &carried{ChargeID: text(), Start: at(), End: at(), Postpaid: terms(), Levels: levels()}
	}
	return d
}

// The hand-written reader reads every detail encodeDetail writes as the
// general decoder does, or leaves it to it; and on any input it accepts,
// broken ones included, the detail decoded is the general decoder's (an
// error where that fails).
func TestReadDetailFastAgreesWithDecoder(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	cur := money.MustCurrency("EUR")
	general := func(raw []byte) (readDetail, error) {
		var sd readDetail
		return sd, jsonv2.Unmarshal(raw, &sd)
	}
	// same decodes raw both ways and compares what comes out.
	same := func(raw []byte) (fast bool) {
		t.Helper()
		var fs readDetail
		if !readDetailFast(raw, &fs) {
			return false
		}
		gs, gerr := general(raw)
		fd, ferr := (&termsDecoder{}).fromRead(fs, cur)
		if gerr != nil {
			if ferr == nil {
				t.Fatalf("read %q by hand, the decoder refuses it (%v)", raw, gerr)
			}
			return true
		}
		if !reflect.DeepEqual(fs, gs) {
			t.Fatalf("%q:\nby hand %#v\ndecoded %#v", raw, fs, gs)
		}
		gd, gerr := (&termsDecoder{}).fromRead(gs, cur)
		if (ferr == nil) != (gerr == nil) || !reflect.DeepEqual(fd, gd) {
			t.Fatalf("%q: by hand %v %v, decoded %v %v", raw, fd, ferr, gd, gerr)
		}
		return true
	}
	cases := 3000
	if raceDetector {
		cases = 300
	}
	fast, total := 0, 0
	for range cases {
		s, err := encodeDetail(randomDetail(rng, rng.IntN(4) == 0))
		if err != nil {
			t.Fatal(err)
		}
		raw := []byte(s)
		if _, err := general(raw); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		total++
		if same(raw) {
			fast++
		}
		// Broken copies: a byte replaced or dropped, the end cut off.
		for range 10 {
			m := []byte(s)
			i := rng.IntN(len(m))
			switch rng.IntN(3) {
			case 0:
				m[i] = `"{}[],:\ 0a-.erf`[rng.IntN(16)]
			case 1:
				m = append(m[:i], m[i+1:]...)
			default:
				m = m[:i]
			}
			same(m)
		}
	}
	if fast < total/2 {
		t.Fatalf("only %d of %d details read by hand", fast, total)
	}
}
