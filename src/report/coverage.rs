//! Weighted evidence coverage rolled up from level-2 indicators to level 1 and to an estimated
//! score band. GB/T 27922 scores = actual points ÷ applicable points × 100, excluded (删减)
//! items leaving the denominator (`gbt27922.md` §3.1); bands 70/80/90/95 (§3.2). A document
//! pre-screen cannot award points, so a supported indicator counts fully, a weak one half, and the
//! result is labelled an estimate.

use super::json::{Coverage, Level1Coverage};
use crate::model::{IndicatorFinding, IndicatorStatus};

/// One catalog indicator with its configured weight.
#[derive(Debug, Clone, Copy)]
pub struct WeightedIndicator<'a> {
    /// Clause id (`5.1` or `5.1.3`).
    pub id: &'a str,
    /// Chinese name.
    pub name: &'a str,
    /// 1 or 2.
    pub level: u8,
    /// Weight within its level-1 group (level 2) or of the group itself (level 1).
    pub weight: f64,
}

/// Credit an indicator's status earns: `None` when it is excluded (not applicable).
fn credit(status: IndicatorStatus) -> Option<f64> {
    match status {
        IndicatorStatus::Supported => Some(1.0),
        IndicatorStatus::Weak => Some(0.5),
        IndicatorStatus::Missing => Some(0.0),
        IndicatorStatus::Excluded => None,
    }
}

/// The band an estimated score falls in.
pub fn band(score: f64) -> &'static str {
    match score {
        s if s >= 95.0 => "五星 (estimate)",
        s if s >= 90.0 => "四星 (estimate)",
        s if s >= 80.0 => "三星 (estimate)",
        s if s >= 70.0 => "达标 (estimate)",
        _ => "未达标 (estimate)",
    }
}

/// Rolls the findings up. Level-2 weights count within their level-1 group; level-1 weights
/// weigh the groups in the overall estimate. A group with every item excluded drops out.
pub fn roll_up(catalog: &[WeightedIndicator<'_>], findings: &[IndicatorFinding]) -> Coverage {
    let status_of = |id: &str| {
        findings
            .iter()
            .find(|f| f.id.0 == id)
            .map_or(IndicatorStatus::Missing, |f| f.status)
    };
    let mut level1 = Vec::new();
    let (mut earned_total, mut applicable_total) = (0.0, 0.0);
    for group in catalog.iter().filter(|i| i.level == 1) {
        let prefix = format!("{}.", group.id);
        let (mut earned, mut applicable) = (0.0, 0.0);
        for item in catalog
            .iter()
            .filter(|i| i.level == 2 && i.id.starts_with(&prefix))
        {
            if let Some(c) = credit(status_of(item.id)) {
                earned += c * item.weight;
                applicable += item.weight;
            }
        }
        let share = if applicable > 0.0 {
            earned / applicable
        } else {
            0.0
        };
        if applicable > 0.0 {
            earned_total += share * group.weight;
            applicable_total += group.weight;
        }
        level1.push(Level1Coverage {
            id: group.id.to_string(),
            name: group.name.to_string(),
            coverage: round3(share),
        });
    }
    let score = if applicable_total > 0.0 {
        earned_total / applicable_total * 100.0
    } else {
        0.0
    };
    Coverage {
        level1,
        estimated_score: round3(score),
        estimated_band: band(score).to_string(),
        note: "estimate from documents only (supported = full credit, weak = half, excluded items left out); not an audit score".into(),
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IndicatorId;

    fn finding(id: &str, status: IndicatorStatus) -> IndicatorFinding {
        IndicatorFinding {
            id: IndicatorId(id.into()),
            status,
            evidence: Vec::new(),
        }
    }

    fn catalog() -> Vec<WeightedIndicator<'static>> {
        let w = |id, level, weight| WeightedIndicator {
            id,
            name: "x",
            level,
            weight,
        };
        vec![
            w("5.1", 1, 2.0),
            w("5.1.1", 2, 1.0),
            w("5.1.2", 2, 1.0),
            w("5.2", 1, 1.0),
            w("5.2.3", 2, 1.0),
            w("5.2.6", 2, 1.0),
        ]
    }

    #[test]
    fn excluded_items_leave_the_denominator() {
        let findings = [
            finding("5.1.1", IndicatorStatus::Supported),
            finding("5.1.2", IndicatorStatus::Weak),
            finding("5.2.3", IndicatorStatus::Excluded),
            finding("5.2.6", IndicatorStatus::Supported),
        ];
        let cov = roll_up(&catalog(), &findings);
        assert_eq!(cov.level1[0].coverage, 0.75);
        assert_eq!(cov.level1[1].coverage, 1.0);
        // (0.75 × 2 + 1.0 × 1) / 3 = 83.3
        assert_eq!(cov.estimated_score, 83.333);
        assert_eq!(cov.estimated_band, "三星 (estimate)");
    }

    #[test]
    fn bands_follow_the_standard_thresholds() {
        assert_eq!(band(69.9), "未达标 (estimate)");
        assert_eq!(band(70.0), "达标 (estimate)");
        assert_eq!(band(95.0), "五星 (estimate)");
    }
}
