/**
 * Builds a DynamoDB update (and its condition) so that every attribute name and value it
 * declares is one it uses: placeholders are handed out only as clauses are added, so an
 * update can never carry a name it does not use (DynamoDB refuses those).
 */
export interface BuiltUpdate {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

export class UpdateBuilder {
  private readonly names = new Map<string, string>();
  private readonly values: Record<string, unknown> = {};
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly conditions: string[] = [];

  /** `SET path = value`; `path` is a list of attribute names (a map key included). */
  set(path: string | readonly string[], value: unknown): this {
    this.sets.push(`${this.path(path)} = ${this.value(value)}`);
    return this;
  }

  remove(path: string | readonly string[]): this {
    this.removes.push(this.path(path));
    return this;
  }

  /** Adds `path = value` to the condition (clauses are joined with AND). */
  whenEquals(path: string | readonly string[], value: unknown): this {
    this.conditions.push(`${this.path(path)} = ${this.value(value)}`);
    return this;
  }

  build(): BuiltUpdate {
    if (this.sets.length === 0 && this.removes.length === 0) {
      throw new RangeError('an update needs at least one SET or REMOVE clause');
    }
    const clauses = [
      ...(this.sets.length > 0 ? [`SET ${this.sets.join(', ')}`] : []),
      ...(this.removes.length > 0 ? [`REMOVE ${this.removes.join(', ')}`] : []),
    ];
    const hasValues = Object.keys(this.values).length > 0;
    return {
      UpdateExpression: clauses.join(' '),
      ...(this.conditions.length > 0 ? { ConditionExpression: this.conditions.join(' AND ') } : {}),
      ExpressionAttributeNames: Object.fromEntries(
        [...this.names].map(([name, placeholder]) => [placeholder, name]),
      ),
      ...(hasValues ? { ExpressionAttributeValues: this.values } : {}),
    };
  }

  private path(path: string | readonly string[]): string {
    const parts = typeof path === 'string' ? [path] : path;
    return parts.map((part) => this.name(part)).join('.');
  }

  private name(attribute: string): string {
    let placeholder = this.names.get(attribute);
    if (!placeholder) {
      placeholder = `#n${this.names.size}`;
      this.names.set(attribute, placeholder);
    }
    return placeholder;
  }

  private value(value: unknown): string {
    const placeholder = `:v${Object.keys(this.values).length}`;
    this.values[placeholder] = value;
    return placeholder;
  }
}
