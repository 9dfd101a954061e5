package pricing

import (
	"fmt"

	"github.com/nephele-cloud/nephele/internal/platform/errs"
	"github.com/nephele-cloud/nephele/internal/platform/money"
)

// Stable error codes of this package. Definitions that fail validation
// (schemes, prices, markups, terms, coupons, bundles) are reported as
// errs.Invalid with the code "validation_failed" and one field error per
// problem; the codes below are the top-level codes of the other errors.
const (
	// CodeQuantityOutOfRange: a quantity is negative, below a scheme's
	// minimum (the first range's From) or above the cap of its last range.
	CodeQuantityOutOfRange = "quantity_out_of_range"
	// CodeQuantityNotOnStep: a purchased quantity is not From + k × Step of
	// its range.
	CodeQuantityNotOnStep = "quantity_not_on_step"
	// CodeQuantityNotWhole: a purchased quantity has a fractional part.
	CodeQuantityNotWhole = "quantity_not_whole"
	// CodeQuantityTooPrecise: a quantity has more than [QuantityPlaces]
	// decimal places.
	CodeQuantityTooPrecise = "quantity_too_precise"
	// CodeQuantityRequired: a required extra resource is ordered with a
	// quantity of zero.
	CodeQuantityRequired = "quantity_required"
	// CodeUnknownExtra: a quote names an extra resource the plan does not
	// have.
	CodeUnknownExtra = "unknown_extra"
	// CodeAmountOverflow: a result is too large to compute exactly; the
	// error also wraps [money.ErrOverflow].
	CodeAmountOverflow = "amount_overflow"
	// CodeInvalidDuration: the order duration is not allowed by the terms.
	CodeInvalidDuration = "invalid_duration"
	// CodeContactOnly: the plan has no public price (failed precondition).
	CodeContactOnly = "contact_only"
	// CodeCouponNotYetValid: the coupon's window has not opened (failed
	// precondition).
	CodeCouponNotYetValid = "coupon_not_yet_valid"
	// CodeCouponExpired: the coupon's window has closed (failed
	// precondition).
	CodeCouponExpired = "coupon_expired"
	// CodeCouponCurrencyMismatch: a discount_amount coupon is not in the
	// plan's currency (invalid).
	CodeCouponCurrencyMismatch = "coupon_currency_mismatch"
	// CodeCouponNotApplicable: the coupon cannot apply to this plan, e.g. an
	// extended trial on a plan without trials (failed precondition).
	CodeCouponNotApplicable = "coupon_not_applicable"
	// CodeTrialNotAvailable: a trial was asked of a plan that offers none
	// (invalid).
	CodeTrialNotAvailable = "trial_not_available"
	// CodeInvalidPeriod: a period outside the order's duration (invalid).
	CodeInvalidPeriod = "invalid_period"
)

// invalidField returns an errs.Invalid whose code is also the code of its
// single field error.
func invalidField(code, field, msg string) *errs.Error {
	return errs.Invalid(code, field+": "+msg, errs.Field(field, code, msg))
}

// preconditionField returns an errs.FailedPrecondition naming field.
func preconditionField(code, field, msg string) *errs.Error {
	e := errs.FailedPrecondition(code, field+": "+msg)
	e.Fields = []errs.FieldError{errs.Field(field, code, msg)}
	return e
}

// overflowError reports a result that does not fit: an errs.Invalid with
// code amount_overflow whose cause wraps money.ErrOverflow.
func overflowError(what string) error {
	msg := what + " is too large to compute exactly"
	return errs.Invalid(CodeAmountOverflow, msg).WithCause(fmt.Errorf("%w: %s", money.ErrOverflow, msg))
}

// asOverflow turns an error wrapping money.ErrOverflow (from money.Round or
// money.Sum) into an amount_overflow error and leaves domain errors alone.
func asOverflow(err error, what string) error {
	if err == nil {
		return nil
	}
	if _, ok := errs.As(err); ok {
		return err
	}
	return errs.Invalid(CodeAmountOverflow, what+" is too large to compute exactly").WithCause(err)
}

// computedErr turns a validation of computed prices that found a price
// beyond MaxComputedPriceText (field code amount_overflow, see
// checkPrice) into an amount_overflow error wrapping money.ErrOverflow,
// keeping those field errors: such a price is a result too large to
// compute, not bad input. Other errors are returned unchanged.
func computedErr(err error) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	var over []errs.FieldError
	for _, f := range e.Fields {
		if f.Code == CodeAmountOverflow {
			over = append(over, f)
		}
	}
	if len(over) == 0 {
		return err
	}
	msg := over[0].Field + " " + over[0].Message
	return errs.Invalid(CodeAmountOverflow, msg, over...).WithCause(fmt.Errorf("%w: %s", money.ErrOverflow, msg))
}

// refield returns a copy of err with every field error renamed by rename
// (used to put a nested definition's field paths under their parent, e.g.
// "ranges[1].to" → "extras[0].scheme.ranges[1].to"). Errors that are not
// *errs.Error are returned unchanged.
func refield(err error, rename func(string) string) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	c := *e
	c.Fields = make([]errs.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = rename(f.Field)
		c.Fields[i] = f
	}
	if len(c.Fields) == 1 {
		c.Message = c.Fields[0].Field + ": " + c.Fields[0].Message
	}
	return &c
}

// prefixed puts err's field paths under prefix ("levels[1]." + "recurring").
func prefixed(err error, prefix string) error {
	return refield(err, func(f string) string { return prefix + f })
}

// renamed replaces every field path of err with field.
func renamed(err error, field string) error {
	return refield(err, func(string) string { return field })
}
