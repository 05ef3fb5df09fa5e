/** The order has no item in the table: it was never tracked (or lives in another table). */
export class OrderNotFoundError extends Error {
  override readonly name = 'OrderNotFoundError';
  constructor(readonly orderId: number) {
    super(
      `order ${orderId} is not tracked: an order is tracked once a webhook (or discovery) names it`,
    );
  }
}
