package main

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// unit is the unit of a figure's values, which also sets how they print.
type unit int

const (
	unitSeconds unit = iota
	unitBytes
	unitCount
	unitRatio
)

// figure is one measured quantity with the value of every run.
type figure struct {
	name   string
	unit   unit
	values []float64
}

func (f *figure) addDuration(d time.Duration) { f.values = append(f.values, d.Seconds()) }
func (f *figure) add(value float64)           { f.values = append(f.values, value) }

// median returns the median of the values, or NaN when there are none.
func (f *figure) median() float64 { return median(f.values) }

func median(values []float64) float64 {
	if len(values) == 0 {
		return math.NaN()
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	middle := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[middle]
	}
	return (sorted[middle-1] + sorted[middle]) / 2
}

func (f *figure) min() float64 {
	if len(f.values) == 0 {
		return math.NaN()
	}
	return slices.Min(f.values)
}

func (f *figure) max() float64 {
	if len(f.values) == 0 {
		return math.NaN()
	}
	return slices.Max(f.values)
}

// format prints a value in the figure's unit.
func (u unit) format(value float64) string {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return "n/a"
	}
	switch u {
	case unitSeconds:
		if math.Abs(value) < 10 {
			return fmt.Sprintf("%.3f s", value)
		}
		return fmt.Sprintf("%.1f s", value)
	case unitBytes:
		return fmt.Sprintf("%.1f MiB", value/mebibyte)
	case unitRatio:
		return fmt.Sprintf("%.2f×", value)
	default:
		if value == math.Trunc(value) {
			return fmt.Sprintf("%.0f", value)
		}
		return fmt.Sprintf("%.1f", value)
	}
}

// ratio divides the medians of two figures.
func ratio(numerator, denominator *figure) float64 {
	return numerator.median() / denominator.median()
}

// table is a group of figures shown together.
type table struct {
	title   string
	figures []*figure
}

func (t *table) newFigure(name string, u unit) *figure {
	f := &figure{name: name, unit: u}
	t.figures = append(t.figures, f)
	return f
}

// target is a goal from the benchmark's brief with the figure that decides it.
type target struct {
	goal     string
	measured string
	met      bool
	// note explains the figure, and for a missed target, why it was missed
	// as far as the measurements show.
	note string
}

// section is one part of the report.
type section struct {
	// number is the section's place in the report, kept when other
	// sections are left out.
	number  int
	title   string
	method  []string
	tables  []*table
	targets []target
	notes   []string
}

func (s *section) newTable(title string) *table {
	t := &table{title: title}
	s.tables = append(s.tables, t)
	return t
}
