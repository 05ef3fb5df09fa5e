/**
 * The events module: the contract subscribers import (types, detail types, the documented
 * pattern) and the publisher that the Lambda function and the local runtime share.
 */
export * from './client';
export * from './contract';
export * from './errors';
export * from './publisher';
export * from './records';
export * from './size';
