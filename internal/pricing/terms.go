package pricing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nephele-cloud/nephele/internal/platform/validate"
)

// PricingKind is how a plan is sold.
type PricingKind string

// The pricing kinds.
const (
	// PricingRenewableMonths renews every PeriodCount months.
	PricingRenewableMonths PricingKind = "renewable_months"
	// PricingRenewableHours renews every PeriodCount hours.
	PricingRenewableHours PricingKind = "renewable_hours"
	// PricingShort is one fixed period (months or hours), not renewable.
	PricingShort PricingKind = "short"
	// PricingEverlasting is bought once and never ends: every charge once.
	PricingEverlasting PricingKind = "everlasting"
	// PricingFree has no licence, setup or IaaS charge; its extras are
	// still charged, every period when the terms have one (PeriodUnit and
	// PeriodCount), else once.
	PricingFree PricingKind = "free"
	// PricingContactOnly has no public price and cannot be quoted.
	PricingContactOnly PricingKind = "contact_only"
)

// Period units.
const (
	PeriodMonth = "month"
	PeriodHour  = "hour"
)

// Limits of terms.
const (
	// MaxPeriods is the longest order duration, in billing periods.
	MaxPeriods = 10_000
	// MaxPeriodCount is the longest billing period, in period units.
	MaxPeriodCount = 10_000
	// MaxTrialDays is the longest trial.
	MaxTrialDays = 3650
	// MaxDurationMonths bounds an order's whole duration (periods × period
	// length): 100 years, or as many hours (876,600).
	MaxDurationMonths = 1200
	maxDurationHours  = MaxDurationMonths * 7305 / 10 // 730.5 hours a month on average
)

// Terms are a plan's commercial terms, as far as pricing needs them.
type Terms struct {
	Kind PricingKind `json:"kind"`
	// PeriodUnit is "month" or "hour"; PeriodCount the length of a billing
	// period in those units (e.g. 1 month, 12 months, 24 hours).
	PeriodUnit  string `json:"period_unit,omitempty"`
	PeriodCount int    `json:"period_count,omitempty"`
	// MinPeriods is the minimum order duration in billing periods (≥ 1 for
	// renewable plans; the order duration must be a multiple of it).
	MinPeriods int `json:"min_periods,omitempty"`
	// AllowedPeriods optionally lists the allowed order durations, each a
	// multiple of MinPeriods; empty means any multiple of MinPeriods.
	AllowedPeriods []int `json:"allowed_periods,omitempty"`
	// TrialDays is the plan's trial length (0 = no trial); an
	// extended_trial coupon replaces it.
	TrialDays         int  `json:"trial_days,omitempty"`
	TrialCardRequired bool `json:"trial_card_required,omitempty"`
	// AutoRenew is the plan's renewal default. It changes no price: with
	// automatic renewals the caller quotes the default duration.
	AutoRenew bool `json:"auto_renew,omitempty"`
}

// Validate checks t and returns nil or an errs.Invalid with code
// validation_failed and field paths "kind", "period_unit", "period_count",
// "min_periods", "allowed_periods[i]", "trial_days". Renewable-by-month
// plans need the unit "month", renewable-by-hour plans "hour", short plans
// either; everlasting plans ignore the period fields; a free plan uses
// them only when PeriodCount is set.
func (t Terms) Validate() error {
	v := validate.New()
	t.validate(v, "")
	return v.Err()
}

func (t Terms) validate(v *validate.Collector, p string) {
	switch t.Kind {
	case PricingRenewableMonths, PricingRenewableHours, PricingShort, PricingEverlasting, PricingFree, PricingContactOnly:
	default:
		v.OneOf(p+"kind", string(t.Kind), string(PricingRenewableMonths), string(PricingRenewableHours),
			string(PricingShort), string(PricingEverlasting), string(PricingFree), string(PricingContactOnly))
	}
	if t.periodic() {
		switch {
		case t.Kind == PricingRenewableMonths && t.PeriodUnit != PeriodMonth:
			v.Add(p+"period_unit", "invalid_enum", "a renewable_months plan bills per month")
		case t.Kind == PricingRenewableHours && t.PeriodUnit != PeriodHour:
			v.Add(p+"period_unit", "invalid_enum", "a renewable_hours plan bills per hour")
		case t.PeriodUnit != PeriodMonth && t.PeriodUnit != PeriodHour:
			v.OneOf(p+"period_unit", t.PeriodUnit, PeriodMonth, PeriodHour)
		}
		if t.PeriodCount < 1 || t.PeriodCount > MaxPeriodCount {
			v.Add(p+"period_count", "out_of_range", fmt.Sprintf("must be between 1 and %d", MaxPeriodCount))
		}
	}
	if t.Kind == PricingRenewableMonths || t.Kind == PricingRenewableHours {
		if t.MinPeriods < 1 || t.MinPeriods > MaxPeriods {
			v.Add(p+"min_periods", "out_of_range", fmt.Sprintf("must be between 1 and %d", MaxPeriods))
		}
	}
	if t.renewable() {
		for i, n := range t.AllowedPeriods {
			f := fmt.Sprintf("%sallowed_periods[%d]", p, i)
			switch {
			case n < 1 || n > MaxPeriods:
				v.Add(f, "out_of_range", fmt.Sprintf("must be between 1 and %d", MaxPeriods))
			case n%t.minPeriods() != 0:
				v.Add(f, "not_multiple", fmt.Sprintf("must be a multiple of min_periods (%d)", t.minPeriods()))
			}
		}
	}
	if t.TrialDays < 0 || t.TrialDays > MaxTrialDays {
		v.Add(p+"trial_days", "out_of_range", fmt.Sprintf("must be between 0 and %d", MaxTrialDays))
	}
}

// periodic reports whether the plan has a billing period.
func (t Terms) periodic() bool {
	switch t.Kind {
	case PricingRenewableMonths, PricingRenewableHours, PricingShort:
		return true
	case PricingFree:
		return t.PeriodCount != 0 || t.PeriodUnit != ""
	}
	return false
}

// renewable reports whether the plan charges every period and renews.
func (t Terms) renewable() bool { return t.periodic() && t.Kind != PricingShort }

func (t Terms) minPeriods() int { return max(t.MinPeriods, 1) }

// resolvePeriods returns the order duration in periods for a requested n
// (0 = the default: MinPeriods, or the smallest allowed duration). It
// returns an errs.Invalid with code invalid_duration (field "periods").
func (t Terms) resolvePeriods(n int) (int, error) {
	if !t.renewable() {
		switch {
		case n != 0 && n != 1:
			return 0, invalidField(CodeInvalidDuration, "periods",
				fmt.Sprintf("a %s plan is bought for exactly one period", t.Kind))
		case t.periodic() && !t.withinMaxDuration(1):
			return 0, invalidField(CodeInvalidDuration, "periods", "must not make the order longer than 100 years")
		}
		return 1, nil
	}
	if n == 0 {
		n = t.minPeriods()
		if len(t.AllowedPeriods) > 0 {
			n = slices.Min(t.AllowedPeriods)
		}
	}
	switch {
	case n < 0 || n > MaxPeriods:
		return 0, invalidField(CodeInvalidDuration, "periods", fmt.Sprintf("must be between 1 and %d", MaxPeriods))
	case n%t.minPeriods() != 0:
		return 0, invalidField(CodeInvalidDuration, "periods",
			fmt.Sprintf("must be a multiple of the minimum duration of %d periods", t.minPeriods()))
	case !t.withinMaxDuration(n):
		return 0, invalidField(CodeInvalidDuration, "periods", "must not make the order longer than 100 years")
	case len(t.AllowedPeriods) > 0 && !slices.Contains(t.AllowedPeriods, n):
		allowed := make([]string, len(t.AllowedPeriods))
		for i, a := range t.AllowedPeriods {
			allowed[i] = strconv.Itoa(a)
		}
		return 0, invalidField(CodeInvalidDuration, "periods", "must be one of "+strings.Join(allowed, ", "))
	}
	return n, nil
}

// withinMaxDuration reports whether n periods last at most 100 years.
func (t Terms) withinMaxDuration(n int) bool {
	limit := MaxDurationMonths
	if t.PeriodUnit == PeriodHour {
		limit = maxDurationHours
	}
	return n*t.PeriodCount <= limit
}

// Period is a service period [Start, End).
type Period struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// periodStart returns the start of period i (0-based) of a plan whose
// first period starts at anchor.
func (t Terms) periodStart(anchor time.Time, i int) time.Time {
	if t.PeriodUnit == PeriodHour {
		return anchor.Add(time.Duration(i) * time.Duration(t.PeriodCount) * time.Hour)
	}
	return AddMonths(anchor, i*t.PeriodCount)
}

// AddMonths returns t plus n calendar months, anchored on t's day of the
// month: the same day, or the last day of the month when that month is
// shorter, at the same clock time in t's location. Because every period
// is computed from the anchor and not from the previous period, Jan 31
// gives Feb 28 (29 in leap years), Mar 31, Apr 30, ...: periods never
// drift to an earlier day. This is what most billing systems do (unlike
// time.AddDate, which would turn Jan 31 + 1 month into Mar 3).
func AddMonths(t time.Time, n int) time.Time {
	y, m, day := t.Date()
	total := int(m) - 1 + n
	y += total / 12
	mi := total % 12
	if mi < 0 {
		mi += 12
		y--
	}
	month := time.Month(mi + 1)
	if last := daysIn(y, month, t.Location()); day > last {
		day = last
	}
	hh, mm, ss := t.Clock()
	return time.Date(y, month, day, hh, mm, ss, t.Nanosecond(), t.Location())
}

func daysIn(y int, m time.Month, loc *time.Location) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, loc).Day()
}
