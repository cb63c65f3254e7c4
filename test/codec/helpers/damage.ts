/** Replace one member somewhere in `root` (the pick-th object member, depth first) with `value`, or add an unknown member beside it. */
export function damageAt(root: Record<string, unknown>, pick: number, value: unknown, extraKey: boolean): void {
  const slots: [Record<string, unknown>, string][] = [];
  const visit = (o: unknown): void => {
    if (typeof o !== 'object' || o === null) return;
    for (const [k, v] of Object.entries(o)) {
      slots.push([o as Record<string, unknown>, k]);
      visit(v);
    }
  };
  visit(root);
  const [object, key] = slots[pick % slots.length]!;
  if (extraKey) object.lpszExtra = value;
  else if (value === undefined) delete object[key];
  else object[key] = value;
}
