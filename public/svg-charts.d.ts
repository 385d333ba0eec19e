/** Types of svg-charts.js, the SVG charts shared by the eval reports and the playground page. */
export interface Bar {
  label: string;
  value: number;
  note?: string;
  highlight?: boolean;
}
export declare function barChart(title: string, bars: readonly Bar[], options?: { max?: number; width?: number }): string;
export declare function lineChart(title: string, points: ReadonlyArray<{ x: number; y: number }>, labels: { x: string; y: string }): string;
export declare function histogram(title: string, values: readonly number[], bins?: number, unit?: string): string;
export declare function waterfall(title: string, spans: ReadonlyArray<{ name: string; at: number; ms: number }>): string;
