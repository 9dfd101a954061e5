package pricing

import (
	"fmt"
	"slices"

	"github.com/nephele-cloud/nephele/internal/platform/money"
	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// SchemeKind names how a scheme turns a quantity into a price. See the
// package documentation for the exact rules of each kind.
type SchemeKind string

// The scheme kinds.
const (
	SchemePerUnit   SchemeKind = "per_unit"  // q × UnitPrice
	SchemeTiered    SchemeKind = "tiered"    // each range's units at that range's price
	SchemeVolume    SchemeKind = "volume"    // every unit at the price of the range containing q
	SchemeStairstep SchemeKind = "stairstep" // the flat price of the range containing q
	SchemePackage   SchemeKind = "package"   // ceil(q / PackageSize) × PackagePrice
)

// Limits of a scheme definition.
const (
	// MaxRanges is the largest number of ranges a scheme may have.
	MaxRanges = 20
	// MaxBound is the largest range bound, step or package size, in units
	// (money.MaxQuantity: the maxima live there).
	MaxBound = money.MaxQuantity
	// MaxPriceText is the largest unit, flat, package or setup price (and
	// plan price) accepted, written as a decimal (money.MaxUnitPriceText).
	MaxPriceText = money.MaxUnitPriceText
)

// MaxComputedPriceText is the largest price pricing computes with: the
// largest the rater holds exactly (an int64 of nano units, see fixed.go).
//
// Two ceilings bound prices. MaxPriceText bounds what a user enters: the
// Validate methods of definitions (Scheme, PlanPrices, Markup, overrides)
// refuse more with the field code too_large. A price pricing computes (a
// price after channel markups or a bundle discount) is not user input: it
// may exceed MaxPriceText and only needs to fit the exact arithmetic, so
// everything that computes with prices (ResolveChain, WithMarkups,
// WithOverride's prices bought at, Compute, Compile) accepts prices up to
// MaxComputedPriceText, and answers a larger one with amount_overflow
// (errs.Invalid wrapping money.ErrOverflow) rather than a validation
// failure: it is a result that cannot be represented.
const MaxComputedPriceText = "9223372036.854775807"

var (
	maxPrice         = money.MustDecimal(MaxPriceText)
	maxComputedPrice = money.MustDecimal(MaxComputedPriceText)
)

// ceiling says which bound a validation puts on prices: entered (what a
// user may type, MaxPriceText) or computed (MaxComputedPriceText).
type ceiling bool

const (
	entered  ceiling = false
	computed ceiling = true
)

// Range is one band of a scheme's quantity line. It covers the part of the
// quantity line in (From − 1, To], a From of 0 counting as 1 for that
// purpose (see the package documentation).
type Range struct {
	// From is the first unit of the range: a whole number ≥ 0. It equals the
	// previous range's To + 1.
	From money.Decimal `json:"from"`
	// To is the last unit, inclusive, a whole number ≥ From; nil means
	// open-ended, which only the last range may be.
	To *money.Decimal `json:"to,omitempty"`
	// UnitPrice is the price per unit (tiered, volume).
	UnitPrice money.Decimal `json:"unit_price"`
	// FlatPrice is the price of a stairstep range, or a fixed fee added when
	// a tiered or volume range applies.
	FlatPrice money.Decimal `json:"flat_price"`
	// Step, when set, means purchased quantities in this range must be
	// From + k × Step (checked by CheckPurchase only).
	Step *money.Decimal `json:"step,omitempty"`
	// SetupFee is a one-off fee charged when the range applies.
	SetupFee money.Decimal `json:"setup_fee"`
	// Tag labels the range, e.g. "Small" for a stairstep range.
	Tag string `json:"tag,omitempty"`
}

// Scheme prices a quantity of an extra resource or a metric. The zero
// value is invalid (it has no kind).
type Scheme struct {
	Kind SchemeKind `json:"kind"`
	// UnitPrice is the price per unit of a per_unit scheme.
	UnitPrice money.Decimal `json:"unit_price"`
	// PackageSize is the number of units per package (package only, > 0).
	PackageSize int64 `json:"package_size,omitempty"`
	// PackagePrice is the price of each started package (package only).
	PackagePrice money.Decimal `json:"package_price"`
	// Ranges are required (1..20) by tiered, volume and stairstep schemes,
	// ascending by From. A per_unit or package scheme may have one range,
	// whose From and To are then only the minimum and maximum quantity (and
	// whose Step and SetupFee apply).
	Ranges []Range `json:"ranges,omitempty"`
}

// Validate checks the definition and returns nil or an errs.Invalid with
// code validation_failed and one field error per problem. Field paths are
// relative to the scheme ("kind", "package_size", "ranges[1].to").
//
// Field codes: invalid_enum (unknown kind), required (missing ranges or
// package size), too_many (ranges), not_applicable (a price or size the
// kind does not use), negative, too_many_decimals (a price with more than
// 9 decimal places), too_large (a price above MaxPriceText or a bound
// above MaxBound), not_whole and not_positive (bounds, steps),
// before_from (To < From), open_not_last, not_ascending (ranges out of
// order: see Normalize), overlapping, not_contiguous (a gap), and the
// codes of validate.Collector.Text for tags.
//
// Validate does not reorder ranges: ranges given out of order are refused
// with not_ascending, so a stored scheme always reads in the order it is
// rated. Callers that accept ranges in any order call Normalize first.
func (s Scheme) Validate() error {
	v := validate.New()
	s.validate(v, "", entered)
	return v.Err()
}

// validateComputed is Validate for a scheme pricing computes with: prices
// up to MaxComputedPriceText, amount_overflow beyond (see computedErr).
func (s Scheme) validateComputed() error {
	v := validate.New()
	s.validate(v, "", computed)
	return computedErr(v.Err())
}

func (s Scheme) validate(v *validate.Collector, p string, c ceiling) {
	ranged := s.Kind == SchemeTiered || s.Kind == SchemeVolume || s.Kind == SchemeStairstep
	switch s.Kind {
	case SchemePerUnit, SchemeTiered, SchemeVolume, SchemeStairstep, SchemePackage:
	default:
		v.OneOf(p+"kind", string(s.Kind), string(SchemePerUnit), string(SchemeTiered),
			string(SchemeVolume), string(SchemeStairstep), string(SchemePackage))
	}
	checkPrice(v, p+"unit_price", s.UnitPrice, c)
	checkPrice(v, p+"package_price", s.PackagePrice, c)
	if s.Kind != SchemePerUnit {
		notApplicable(v, p+"unit_price", !s.UnitPrice.IsZero(), s.Kind)
	}
	if s.Kind == SchemePackage {
		switch {
		case s.PackageSize == 0:
			v.Add(p+"package_size", "required", "a package scheme needs a package size > 0")
		case s.PackageSize < 0:
			v.Add(p+"package_size", "not_positive", "must be greater than 0")
		case s.PackageSize > MaxBound:
			v.Add(p+"package_size", "too_large", fmt.Sprintf("must be at most %d", MaxBound))
		}
	} else {
		notApplicable(v, p+"package_size", s.PackageSize != 0, s.Kind)
		notApplicable(v, p+"package_price", !s.PackagePrice.IsZero(), s.Kind)
	}
	switch {
	case ranged && len(s.Ranges) == 0:
		v.Add(p+"ranges", "required", fmt.Sprintf("a %s scheme needs 1 to %d ranges", s.Kind, MaxRanges))
	case len(s.Ranges) > MaxRanges:
		v.Add(p+"ranges", "too_many", fmt.Sprintf("at most %d ranges are allowed", MaxRanges))
	case !ranged && len(s.Ranges) > 1:
		v.Add(p+"ranges", "too_many", fmt.Sprintf("a %s scheme takes at most one range, for its minimum and maximum quantity", s.Kind))
	}
	for i, r := range s.Ranges {
		if i == MaxRanges {
			break
		}
		rp := fmt.Sprintf("%sranges[%d].", p, i)
		checkBound(v, rp+"from", r.From, true)
		if r.To == nil {
			if i != len(s.Ranges)-1 {
				v.Add(rp+"to", "open_not_last", "only the last range may be open-ended")
			}
		} else if checkBound(v, rp+"to", *r.To, true) && r.To.Cmp(r.From) < 0 {
			v.Add(rp+"to", "before_from", fmt.Sprintf("must be at least from (%s)", r.From))
		}
		checkPrice(v, rp+"unit_price", r.UnitPrice, c)
		checkPrice(v, rp+"flat_price", r.FlatPrice, c)
		checkPrice(v, rp+"setup_fee", r.SetupFee, c)
		if s.Kind == SchemeStairstep || !ranged {
			notApplicable(v, rp+"unit_price", !r.UnitPrice.IsZero(), s.Kind)
		}
		if !ranged {
			notApplicable(v, rp+"flat_price", !r.FlatPrice.IsZero(), s.Kind)
		}
		if r.Step != nil && checkBound(v, rp+"step", *r.Step, false) && r.Step.Sign() <= 0 {
			v.Add(rp+"step", "not_positive", "must be greater than 0")
		}
		v.Text(rp+"tag", r.Tag, 100)
		if i > 0 {
			prev := s.Ranges[i-1]
			switch {
			case r.From.Cmp(prev.From) <= 0:
				v.Add(rp+"from", "not_ascending", "ranges must be in ascending order of from")
			case prev.To == nil:
				// reported as open_not_last on the previous range
			case r.From.Cmp(*prev.To) <= 0:
				v.Add(rp+"from", "overlapping", fmt.Sprintf("overlaps the previous range, which ends at %s", prev.To))
			case !r.From.Equal(prev.To.Add(one)):
				v.Add(rp+"from", "not_contiguous", fmt.Sprintf("must be %s, right after the previous range", prev.To.Add(one)))
			}
		}
	}
}

var one = money.DecimalFromInt(1)

// checkPrice records the problems of a price: negative, more than 9
// decimal places, above the ceiling (too_large above MaxPriceText for an
// entered price, amount_overflow above MaxComputedPriceText for a
// computed one).
func checkPrice(v *validate.Collector, field string, d money.Decimal, c ceiling) bool {
	switch {
	case d.IsNegative():
		v.Add(field, "negative", "must not be negative")
	case decimalPlaces(d) > money.MaxPricePlaces:
		v.Add(field, "too_many_decimals", fmt.Sprintf("a price allows at most %d decimal places", money.MaxPricePlaces))
	case c == entered && d.Cmp(maxPrice) > 0:
		v.Add(field, "too_large", "must be at most "+MaxPriceText)
	case c == computed && d.Cmp(maxComputedPrice) > 0:
		v.Add(field, CodeAmountOverflow, "is too large to compute exactly (at most "+MaxComputedPriceText+")")
	default:
		return true
	}
	return false
}

// checkBound records the problems of a range bound or step: negative, not
// whole, above MaxBound. It reports whether the value is fine.
func checkBound(v *validate.Collector, field string, d money.Decimal, zeroOK bool) bool {
	switch {
	case d.IsNegative():
		v.Add(field, "negative", "must not be negative")
	case decimalPlaces(d) > 0:
		v.Add(field, "not_whole", "must be a whole number")
	case d.Cmp(money.DecimalFromInt(MaxBound)) > 0:
		v.Add(field, "too_large", fmt.Sprintf("must be at most %d", MaxBound))
	case !zeroOK && d.IsZero():
		v.Add(field, "not_positive", "must be greater than 0")
	default:
		return true
	}
	return false
}

func notApplicable(v *validate.Collector, field string, set bool, k SchemeKind) {
	if set {
		v.Add(field, "not_applicable", fmt.Sprintf("is not used by a %s scheme; leave it empty", k))
	}
}

// Normalize returns a copy of s with its ranges sorted by From (equal
// Froms keep their order), for callers that accept ranges in any order.
// It changes nothing else; the result still needs Validate.
func (s Scheme) Normalize() Scheme {
	s = s.clone()
	slices.SortStableFunc(s.Ranges, func(a, b Range) int { return a.From.Cmp(b.From) })
	return s
}

// clone returns a deep copy of s: its Ranges (and their pointers) are new.
func (s Scheme) clone() Scheme {
	if s.Ranges == nil {
		return s
	}
	rs := make([]Range, len(s.Ranges))
	for i, r := range s.Ranges {
		if r.To != nil {
			to := *r.To
			r.To = &to
		}
		if r.Step != nil {
			st := *r.Step
			r.Step = &st
		}
		rs[i] = r
	}
	s.Ranges = rs
	return s
}

// mapPrices returns a copy of s with every period price (UnitPrice,
// PackagePrice, and each range's UnitPrice and FlatPrice) replaced by
// period(price) and every range's SetupFee by oneOff(fee).
func (s Scheme) mapPrices(period, oneOff func(money.Decimal) money.Decimal) Scheme {
	s = s.clone()
	s.UnitPrice = period(s.UnitPrice)
	s.PackagePrice = period(s.PackagePrice)
	for i := range s.Ranges {
		r := &s.Ranges[i]
		r.UnitPrice = period(r.UnitPrice)
		r.FlatPrice = period(r.FlatPrice)
		r.SetupFee = oneOff(r.SetupFee)
	}
	return s
}

// MinPurchase returns the smallest quantity that can be bought: the first
// range's From, at least 1, except that a stairstep scheme whose first
// range starts at 0 can be bought with 0 units (its base price). Without
// ranges it is 1. The scheme must be valid.
func (s Scheme) MinPurchase() money.Decimal {
	if len(s.Ranges) == 0 {
		return one
	}
	from := s.Ranges[0].From
	if from.IsZero() && s.Kind == SchemeStairstep {
		return from
	}
	return money.Max(from, one)
}
