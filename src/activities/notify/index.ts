export { addToDigest, recordDigest } from './digest';
export { deliverWebhook, markDeliveryFailed, planDelivery } from './deliveries';
