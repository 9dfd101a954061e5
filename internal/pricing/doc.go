// Package pricing is Nephele's pure pricing engine: price schemes for
// extra resources and metrics, plan prices and channel markups, coupons,
// bundle discounts and order quotes. It does no I/O, reads no clock and
// imports only the standard library and internal/platform (money, errs,
// validate), so the catalog and channel domains can use it.
//
// All money arithmetic is exact. Unit prices have at most 9 decimal
// places; a computed price (after a percentage markup or discount) is
// rounded once with money.RoundPrice; a line amount is rounded once, at
// the line, with money.Round; totals are sums of rounded lines.
//
// # Schemes
//
// A [Scheme] turns a quantity into a price. Quantities are decimals ≥ 0:
// purchased quantities are whole units, metered usage may be fractional
// (at most 6 decimal places). Range bounds are whole numbers. Range i
// covers the part of the quantity line in (From_i − 1, To_i], a From of 0
// counting as 1 for that purpose: with ranges 1–9 and 10+, a quantity of
// 15 has 9 units in the first range and 6 in the second, and 9.5 has 9 and
// 0.5. Ranges are contiguous (From_i = To_{i−1} + 1) and only the last may
// be open-ended.
//
//   - tiered: the sum, over every range the quantity reaches, of
//     (units in that range × UnitPrice + FlatPrice); the setup fees of
//     every reached range.
//   - volume: q × UnitPrice of the range containing q, plus its FlatPrice;
//     its setup fee.
//   - stairstep: the FlatPrice of the range containing q; its setup fee.
//   - per_unit: q × UnitPrice (and the setup fee of its optional range).
//   - package: ceil(q / PackageSize) × PackagePrice (and the setup fee of
//     its optional range).
//
// A quantity of 0 rates 0, except in a stairstep scheme whose first range
// starts at 0: that range's flat price is a base price that includes zero
// units. A quantity above the cap of a capped last range, or strictly
// between 0 and the first range's From (a minimum order: 0 < q ≤ From − 1),
// is refused with quantity_out_of_range. Zero is always accepted: it means
// nothing is bought or used. Purchased quantities are also checked by
// [Scheme.CheckPurchase]: fractional ones are refused (quantity_not_whole)
// and, in a range with a Step, quantities other than From + k × Step
// (quantity_not_on_step).
//
// The seed example: ranges 1–9 at 5.00 per unit and 10+ at 3.00, or as a
// stairstep 1–9 at 30.00 and 10+ at 100.00; 15 units cost 63.00 tiered
// (9 × 5 + 6 × 3), 45.00 volume (15 × 3) and 100.00 stairstep.
//
// Ranges must be given in ascending order: [Scheme.Validate] refuses them
// otherwise instead of sorting silently, so a stored scheme reads the way
// it is rated; [Scheme.Normalize] sorts a copy for callers that accept any
// order. Any zero price is allowed (a free tier).
//
// [Scheme.Compile] turns a valid scheme into a [Rater], which rates a
// [Quantity] without allocating, in exact fixed-point integers: prices as
// int64 nano units, quantities as int64 micro units, products and sums in
// 128-bit integers; an overflow is an error wrapping money.ErrOverflow,
// never a rounding. [Scheme.Rate] uses the same rater and adds the
// per-range breakdown.
//
// # Channel prices
//
// [PlanPrices] are a plan's prices at one level of the channel. A
// [Markup] (percent or fixed, per charge type: one-off, recurring, extras,
// usage, IaaS) changes the prices a party buys at into the prices it sells
// at; the result is clamped at zero and a zero price stays zero. A
// [PlanPriceOverride] sets a party's own prices outright.
// [ResolveChain] applies the levels (wholesale, sell-in, sell-out) in turn.
//
// # Coupons and bundles
//
// A discount_percent coupon reduces the lines of its scope by a
// percentage computed on their unrounded values, rounded once as its own
// line; a discount_amount coupon subtracts a fixed amount per period, up
// to the rounded subtotal of its scope; a fixed_price coupon replaces the
// licence price and shows the difference as a coupon_discount line (or a
// coupon_surcharge line when the private price is higher, which is
// allowed); an extended_trial coupon replaces the trial length of a
// trial order on a plan that offers trials. Setup fees are in scope only for the "total" scope.
// A discount line never exceeds the rounded subtotal of the lines it
// reduces, so no coupon makes a period's charge negative (a 100 % coupon
// leaves exactly zero).
// A coupon is redeemed at the order's start, within [ValidFrom,
// ValidUntil), and its price effect applies to every period that starts
// before ValidUntil.
//
// A bundle plan's price is the sum of its components' prices, each
// component's setup, licence and extras prices reduced by its discount
// percentage through money.RoundPrice (IaaS costs and metrics are not
// discounted). A quote shows each component charge at list price followed
// by a bundle_discount line.
//
// # Quotes
//
// [Compute] prices an order over its duration: a multiple of the plan's
// minimum duration (and one of its allowed durations when listed), in
// billing periods of N months or N hours, at most 100 years in all.
// Month periods follow the calendar from the first period's start and are
// anchored on its day ([AddMonths]: Jan 31, Feb 28/29, Mar 31, ...). A
// trial order (QuoteInput.Trial) has the plan's trial before the first
// period, which then starts when the trial ends; any other order starts
// its first period at once. Setup fees are due in the first period; the licence, IaaS costs
// and prepaid extras every period, in advance; postpaid extras and metrics
// are billed in arrears and listed apart, outside every total. Each line
// is rounded once; the first invoice, the renewal charge and the total are
// sums of rounded lines, the coupon's line being computed per period (with
// the one-offs in the first period) for every period that starts before
// the coupon's end. Free plans charge their extras only; everlasting plans
// charge everything once and never end; short plans are one period, not
// renewable; contact-only plans cannot be quoted.
//
// # Errors
//
// Invalid definitions are errs.Invalid with code validation_failed and one
// field error per problem. Other errors carry the stable codes listed with
// [CodeQuantityOutOfRange] and the following constants.
package pricing
