// Package study defines the values that flow between the pipeline's stages:
// respondents, units of text, codings and the spans that justify them.
//
// It holds types only. Every stage imports it; it imports no stage, so the
// order of the stages lives in one place (package run) and nowhere else.
package study
