import type { EntityType } from './entities';

export interface MarkedEntity {
  type: EntityType;
  start: number;
  end: number;
}

export interface TypeScore {
  gold: number;
  predicted: number;
  truePositives: number;
  precision: number;
  recall: number;
  f1: number;
}

/**
 * Precision and recall per entity type against hand-marked gold mentions. `exact` needs the same type and the
 * same offsets; `overlap` accepts the same type on overlapping text ("Acme" for "Acme Corp."), each gold
 * mention matched at most once.
 */
export function scoreEntities(
  predicted: MarkedEntity[],
  gold: MarkedEntity[],
  match: 'exact' | 'overlap' = 'exact',
): Record<string, TypeScore> {
  const types = [...new Set([...gold, ...predicted].map((e) => e.type))].sort();
  const same =
    match === 'exact'
      ? (p: MarkedEntity, g: MarkedEntity) => p.start === g.start && p.end === g.end
      : (p: MarkedEntity, g: MarkedEntity) => p.start < g.end && g.start < p.end;
  const scores: Record<string, TypeScore> = {};
  for (const type of types) {
    const goldOfType = gold.filter((g) => g.type === type);
    const predictedOfType = predicted.filter((p) => p.type === type);
    const unmatched = new Set(goldOfType);
    let truePositives = 0;
    for (const p of predictedOfType) {
      const hit = [...unmatched].find((g) => same(p, g));
      if (hit) {
        unmatched.delete(hit);
        truePositives += 1;
      }
    }
    const precision = predictedOfType.length ? truePositives / predictedOfType.length : 0;
    const recall = goldOfType.length ? truePositives / goldOfType.length : 0;
    scores[type] = {
      gold: goldOfType.length,
      predicted: predictedOfType.length,
      truePositives,
      precision: round(precision),
      recall: round(recall),
      f1: precision + recall ? round((2 * precision * recall) / (precision + recall)) : 0,
    };
  }
  return scores;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
