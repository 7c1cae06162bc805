export declare const BUDGETS: Record<string, number>;
export declare function measureSizes(): { file: string; raw: number; gzip: number; brotli: number; budget: number }[];
