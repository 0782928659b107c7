package stats

// Confusion is a 2×2 table of two coders' yes/no decisions on the same
// units: coder A in the first position, coder B in the second.
type Confusion struct {
	YesYes, YesNo, NoYes, NoNo int
}

// N is the number of decisions.
func (c Confusion) N() int { return c.YesYes + c.YesNo + c.NoYes + c.NoNo }

// Add pools two tables, as the overall row of an agreement table does.
func (c Confusion) Add(o Confusion) Confusion {
	return Confusion{c.YesYes + o.YesYes, c.YesNo + o.YesNo, c.NoYes + o.NoYes, c.NoNo + o.NoNo}
}

// Kappa is Cohen's kappa (Cohen 1960). When chance agreement is total (both
// coders used one category only) kappa is undefined; we return 1 if they
// agree on every unit and 0 otherwise, and the caller shows prevalence
// beside it so the reader can see why.
func (c Confusion) Kappa() float64 {
	n := float64(c.N())
	if n == 0 {
		return 0
	}
	po := float64(c.YesYes+c.NoNo) / n
	a1 := float64(c.YesYes+c.YesNo) / n
	b1 := float64(c.YesYes+c.NoYes) / n
	pe := a1*b1 + (1-a1)*(1-b1)
	if pe >= 1 {
		if po >= 1 {
			return 1
		}
		return 0
	}
	return (po - pe) / (1 - pe)
}

// Alpha is Krippendorff's alpha for nominal data, two coders, no missing
// values (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):
// 1 - (n-1) * D_o / D_e on the coincidence matrix. Without variation in the
// data (expected disagreement 0) alpha is undefined; we return 1 when the
// coders agree everywhere and 0 otherwise, as for Kappa.
func (c Confusion) Alpha() float64 {
	units := c.N()
	if units == 0 {
		return 0
	}
	n := float64(2 * units) // pairable values
	// Coincidences: each unit contributes both ordered pairs.
	o01 := float64(c.YesNo + c.NoYes) // o_{yes,no} = o_{no,yes}
	nYes := float64(2*c.YesYes + c.YesNo + c.NoYes)
	nNo := n - nYes
	de := nYes * nNo
	if de == 0 {
		if o01 == 0 {
			return 1
		}
		return 0
	}
	return 1 - (n-1)*o01/de
}

// PrecisionRecall returns precision, recall and F1 of coder A measured
// against coder B as the reference. When a ratio has no denominator (A never
// says yes, or B never does) it is 1 if A and B agree that the code is
// absent and 0 otherwise, so a code nobody uses does not drag F1 to 0.
func (c Confusion) PrecisionRecall() (precision, recall, f1 float64) {
	tp, fp, fn := float64(c.YesYes), float64(c.YesNo), float64(c.NoYes)
	switch {
	case tp+fp > 0:
		precision = tp / (tp + fp)
	case fn == 0:
		precision = 1
	}
	switch {
	case tp+fn > 0:
		recall = tp / (tp + fn)
	case fp == 0:
		recall = 1
	}
	if precision+recall > 0 {
		f1 = 2 * precision * recall / (precision + recall)
	}
	return precision, recall, f1
}
